-- Many rows: every server holding a webhook secret, with the sealed secret.
SELECT id, name, webhook_secret
FROM servers
WHERE webhook_secret IS NOT NULL
ORDER BY name
