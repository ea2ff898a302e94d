-- Zero or one row. $1 user id, $2 now. A password changed by other means ends the
-- user's live reset code, and cancels its email if it still waits in the queue.
WITH superseded AS (
    UPDATE password_resets
    SET superseded_at = $2
    WHERE user_id = $1 AND superseded_at IS NULL
    RETURNING id
), cancelled AS (
    UPDATE emails
    SET status = 'cancelled'
    WHERE password_reset_id IN (SELECT id FROM superseded) AND status = 'queued'
)
SELECT id FROM superseded
