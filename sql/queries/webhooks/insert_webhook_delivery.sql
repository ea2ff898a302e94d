-- Zero or one row: none when server $1 has no webhook. $2 event, $3 the JSON body,
-- $4 now. Wakes the webhook workers of every instance at commit.
WITH inserted AS (
    INSERT INTO webhook_deliveries (server_id, event, body, status, created_at, next_attempt_at)
    SELECT s.id, $2, $3, 'queued', $4, $4
    FROM servers s
    WHERE s.id = $1 AND s.webhook_url IS NOT NULL
    RETURNING id
)
SELECT id, pg_notify('registration_api_webhooks', '') IS NULL AS notified
FROM inserted
