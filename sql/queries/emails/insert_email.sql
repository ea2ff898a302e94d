-- One row. $1 kind, $2 server id, $3 user id, $4 activation id, $5 recipient, $6 now,
-- $7 password reset id (an email announces one of the two).
-- Written in the transaction that makes what the email announces; due at once.
INSERT INTO emails (kind, server_id, user_id, activation_id, password_reset_id, recipient, status, created_at, queued_at,
                    next_attempt_at)
VALUES ($1, $2, $3, $4, $7, lower($5), 'queued', $6, $6, $6)
RETURNING id
