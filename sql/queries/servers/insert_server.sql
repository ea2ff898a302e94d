-- One row. $1 name, $2 SHA-256 of the API key, $3 its share of the daily mail quota or NULL,
-- $4 its webhook URL or NULL, $5 the webhook's encrypted signing secret or NULL.
INSERT INTO servers (name, api_key_hash, mail_per_day, webhook_url, webhook_secret)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, name, created_at, mail_per_day, webhook_url
