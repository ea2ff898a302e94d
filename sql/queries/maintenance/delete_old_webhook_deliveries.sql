-- Many rows (at most $2). Webhook deliveries settled (delivered, failed, cancelled) and created $1 or before.
DELETE FROM webhook_deliveries
WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE status IN ('delivered', 'failed', 'cancelled') AND created_at <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING id
