-- One row. $1 server id, $2 email (any case), $3 user id (NULL: no user has this email),
-- $4 HMAC of the code, $5 now, $6 expiry until the email is sent (the send sets its own).
-- A second live code for the (server, email) raises password_resets_live_key.
INSERT INTO password_resets (server_id, email, user_id, code_hmac, created_at, expires_at)
VALUES ($1, lower($2), $3, $4, $5, $6)
RETURNING id
