-- How many emails to users whose email starts with $1 are sent.
SELECT count(*)::int AS sent FROM emails WHERE recipient LIKE $1 || '%' AND status = 'sent'
