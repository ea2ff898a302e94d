-- A live activation whose code has HMAC $3 for every user of server $1 whose email starts with $2.
INSERT INTO activations (user_id, code_hmac, token_hash, created_at, sent_at, expires_at)
SELECT id, $3, sha256(convert_to(id::text, 'UTF8')), now(), now(), now() + interval '1 day'
FROM users
WHERE server_id = $1 AND email LIKE $2 || '%'
