-- Zero or one row (none: no such server, or it has no webhook). $1 server name, $2 the new encrypted secret.
UPDATE servers
SET webhook_secret = $2
WHERE name = $1 AND webhook_url IS NOT NULL
RETURNING id, name, webhook_url
