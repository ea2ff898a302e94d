-- One row. $1 name, $2 SHA-256 of the API key.
INSERT INTO servers (name, api_key_hash)
VALUES ($1, $2)
RETURNING id, name, created_at
