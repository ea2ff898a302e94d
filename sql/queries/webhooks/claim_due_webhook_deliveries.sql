-- Any rows. Claims up to $4 due deliveries for worker $3 until $2 (the lease), $1 now:
-- queued ones, and those whose sender's lease ran out. Rows another worker is
-- claiming are skipped, so instances never take the same row.
WITH due AS (
    SELECT d.id
    FROM webhook_deliveries d
    WHERE (d.status = 'queued' OR (d.status = 'sending' AND d.locked_until <= $1)) AND d.next_attempt_at <= $1
    ORDER BY d.next_attempt_at, d.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
)
UPDATE webhook_deliveries d
SET status = 'sending', attempts = d.attempts + 1, locked_by = $3, locked_until = $2
FROM due, servers s
WHERE d.id = due.id AND s.id = d.server_id
RETURNING d.id, d.server_id, d.event, d.body, d.attempts, d.created_at, s.webhook_url, s.webhook_secret
