-- Any rows: one per event whose server has a webhook. The events at the same positions
-- of $1 (server ids), $2 (event types) and $3 (JSON bodies), queued in that order, at $4
-- (now): many in one statement, for a sweep that deletes users by the thousand. Wakes the
-- webhook workers of every instance at commit.
WITH inserted AS (
    INSERT INTO webhook_deliveries (server_id, event, body, status, created_at, next_attempt_at)
    SELECT s.id, e.event, e.body, 'queued', $4, $4
    FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS e (server_id, event, body, n)
    JOIN servers s ON s.id = e.server_id AND s.webhook_url IS NOT NULL
    ORDER BY e.n
    RETURNING id
)
SELECT id, pg_notify('registration_api_webhooks', '') IS NULL AS notified
FROM inserted
