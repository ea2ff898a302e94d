-- One queued activation email, held until $3, for every user of server $1 whose email starts with $2.
INSERT INTO emails (server_id, user_id, activation_id, recipient, status, created_at, queued_at, next_attempt_at)
SELECT u.server_id, u.id, a.id, lower(u.email), 'queued', now(), now(), $3
FROM users u
JOIN activations a ON a.user_id = u.id
WHERE u.server_id = $1 AND u.email LIKE $2 || '%'
