-- Zero or one row. Points server $1's webhook at $2 (NULL: turns it off, cancelling
-- what is still queued for it); $3 a new encrypted secret, or NULL to keep the one it has.
WITH updated AS (
    UPDATE servers
    SET webhook_url = $2, webhook_secret = coalesce($3, webhook_secret)
    WHERE name = $1
    RETURNING id, name, created_at, mail_per_day, webhook_url
), cancelled AS (
    UPDATE webhook_deliveries d SET status = 'cancelled'
    FROM updated
    WHERE d.server_id = updated.id AND updated.webhook_url IS NULL AND d.status = 'queued'
)
SELECT id, name, created_at, mail_per_day, webhook_url FROM updated
