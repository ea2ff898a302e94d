-- Any rows: how many emails are in each status.
SELECT status, count(*)::int AS count FROM emails GROUP BY status ORDER BY status
