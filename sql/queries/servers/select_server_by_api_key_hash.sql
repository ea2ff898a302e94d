-- Zero or one row. $1 SHA-256 of the API key.
SELECT id, name
FROM servers
WHERE api_key_hash = $1
