-- Activates every user of server $1 whose email starts with $2.
UPDATE users
SET is_activated = true, activated_at = now()
WHERE server_id = $1 AND email LIKE $2 || '%'
