-- Up to $2 rows: server $1's most recent deliveries, newest first.
SELECT id, event, status, attempts, created_at, delivered_at, last_status
FROM webhook_deliveries
WHERE server_id = $1
ORDER BY created_at DESC, seq DESC
LIMIT $2
