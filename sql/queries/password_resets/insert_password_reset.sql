-- One row. $1 id, $2 server id, $3 email (any case), $4 user id (NULL: no user has this
-- email), $5 HMAC of the code, $6 now, $7 expiry until the email is sent (the send sets its
-- own). A second live code for the (server, email) raises password_resets_live_key.
INSERT INTO password_resets (id, server_id, email, user_id, code_hmac, created_at, expires_at)
VALUES ($1, $2, lower($3), $4, $5, $6, $7)
RETURNING id
