-- One row. $1 user id, $2 HMAC of the code, $3 SHA-256 of the link token, $4 now, $5 expiry.
-- A second live activation for the user raises activations_live_user_key.
INSERT INTO activations (user_id, code_hmac, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, expires_at
