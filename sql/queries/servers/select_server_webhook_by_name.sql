-- Zero or one row. $1 server name: its webhook URL (NULL: off) and whether it has a secret.
SELECT id, webhook_url, webhook_secret IS NOT NULL AS has_secret
FROM servers
WHERE name = $1
