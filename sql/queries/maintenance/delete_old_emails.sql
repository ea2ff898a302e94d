-- Many rows (at most $2). Emails settled ($1 or before): sent, failed or cancelled.
-- RETENTION_SECONDS is at least a day, so the 24-hour caps still count every email they need.
DELETE FROM emails
WHERE id IN (
    SELECT id FROM emails
    WHERE status IN ('sent', 'failed', 'cancelled') AND coalesce(sent_at, created_at) <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING id
