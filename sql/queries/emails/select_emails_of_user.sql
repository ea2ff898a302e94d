-- Any rows: none when server $1 has no user with email $2 (any case); else one per
-- email of that user, newest first, or a single row with a NULL id when it has none.
SELECT e.id, e.kind, e.status, e.attempts, e.created_at, e.sent_at, e.next_attempt_at,
       e.last_error_status, e.last_error_code
FROM users u
LEFT JOIN emails e ON e.user_id = u.id
WHERE u.server_id = $1 AND lower(u.email) = lower($2)
ORDER BY e.created_at DESC, e.id DESC
