-- Zero or one row. The receiver answered 410: server $1's webhook is turned off,
-- unless its URL changed since ($2, the URL that answered), and its queued deliveries
-- are cancelled. The secret stays, so turning the webhook on again needs no new one.
WITH disabled AS (
    UPDATE servers SET webhook_url = NULL
    WHERE id = $1 AND webhook_url = $2
    RETURNING id, name
), cancelled AS (
    UPDATE webhook_deliveries d SET status = 'cancelled'
    FROM disabled
    WHERE d.server_id = disabled.id AND d.status = 'queued'
)
SELECT name FROM disabled
