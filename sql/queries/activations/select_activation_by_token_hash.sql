-- Zero or one row. $1 SHA-256 of the link token; with the user (and its server) it belongs to.
SELECT a.id, a.user_id, u.server_id, s.name AS server_name, u.email, u.password_hash, u.is_activated
FROM activations a
JOIN users u ON u.id = a.user_id
JOIN servers s ON s.id = u.server_id
WHERE a.token_hash = $1
