-- Zero or one row. $1 server id, $2 email (any case), $3 now. Retires the live code of
-- this (server, email), so only the newest request's code works (or none, after a password
-- change), and cancels its email if it still waits in the queue.
WITH superseded AS (
    UPDATE password_resets
    SET superseded_at = $3
    WHERE server_id = $1 AND email = lower($2) AND superseded_at IS NULL
    RETURNING id
), cancelled AS (
    UPDATE emails
    SET status = 'cancelled'
    WHERE password_reset_id IN (SELECT id FROM superseded) AND status = 'queued'
)
SELECT id FROM superseded
