-- One row. Creates server $1 or gives it the new key hash $2 (the old key stops working).
INSERT INTO servers (name, api_key_hash)
VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET api_key_hash = EXCLUDED.api_key_hash
RETURNING id, name, created_at
