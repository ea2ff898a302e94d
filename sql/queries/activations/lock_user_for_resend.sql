-- One row. Locks user $1 so two resends at once cannot both pass the interval check.
SELECT u.is_activated,
       (SELECT max(a.sent_at) FROM activations a WHERE a.user_id = u.id) AS last_sent_at
FROM users u
WHERE u.id = $1
FOR UPDATE OF u
