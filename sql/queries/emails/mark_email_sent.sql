-- Zero or one row. $1 email id, $2 worker id, $3 when Mailjet accepted it, $4 Mailjet's
-- message id, $5 activation lifetime (s): the code and link live from the send;
-- $6 password reset lifetime (s), likewise for a reset code.
WITH sent AS (
    UPDATE emails
    SET status = 'sent', sent_at = $3, message_id = $4, locked_by = NULL, locked_until = NULL,
        last_error_status = NULL, last_error_code = NULL
    WHERE id = $1 AND status = 'sending' AND locked_by = $2
    RETURNING activation_id, password_reset_id
), activation AS (
    UPDATE activations
    SET sent_at = $3, expires_at = $3::timestamptz + make_interval(secs => $5)
    WHERE id = (SELECT activation_id FROM sent) AND superseded_at IS NULL
    RETURNING expires_at
), reset AS (
    UPDATE password_resets
    SET sent_at = $3, expires_at = $3::timestamptz + make_interval(secs => $6)
    WHERE id = (SELECT password_reset_id FROM sent) AND superseded_at IS NULL
    RETURNING expires_at
)
SELECT coalesce((SELECT expires_at FROM activation), (SELECT expires_at FROM reset)) AS expires_at FROM sent
