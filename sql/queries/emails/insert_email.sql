-- One row. $1 kind, $2 server id, $3 user id, $4 activation id, $5 recipient, $6 now,
-- $7 password reset id (an email announces one of the two); $8 the delivery lock's key
-- (lock_delivery.sql) when the request claims its email next, in this transaction:
-- taken here, after the row is written, to save the claim a round trip; NULL: no lock.
-- $9 the row's id, made by the caller so that its claim can be sent along with this.
-- Written in the transaction that makes what the email announces; due at once.
WITH inserted AS (
    INSERT INTO emails (id, kind, server_id, user_id, activation_id, password_reset_id, recipient, status, created_at,
                        queued_at, next_attempt_at)
    VALUES ($9, $1, $2, $3, $4, $7, lower($5), 'queued', $6, $6, $6)
    RETURNING id
)
SELECT id, CASE WHEN $8::text IS NOT NULL THEN pg_advisory_xact_lock(hashtext($8::text)) IS NULL END AS locked
FROM inserted
