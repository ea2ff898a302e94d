-- Zero or one row (none when a resend superseded it meanwhile). $1 activation id,
-- $2 when the email was accepted, $3 expiry: the lifetime counts from the send.
UPDATE activations
SET sent_at = $2, expires_at = $3
WHERE id = $1 AND superseded_at IS NULL
RETURNING expires_at
