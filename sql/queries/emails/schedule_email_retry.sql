-- Zero or one row. $1 email id, $2 worker id, $3 next status ('queued' or 'failed'),
-- $4 next attempt, $5 Mailjet's HTTP status or NULL, $6 its ErrorCode or NULL,
-- $7 true when the attempt never reached Mailjet's answer and must not count.
UPDATE emails
SET status = $3, next_attempt_at = $4, locked_by = NULL, locked_until = NULL,
    last_error_status = coalesce($5, CASE WHEN $7 THEN last_error_status END),
    last_error_code = coalesce($6, CASE WHEN $7 THEN last_error_code END),
    attempts = attempts - CASE WHEN $7 THEN 1 ELSE 0 END
WHERE id = $1 AND status = 'sending' AND locked_by = $2
RETURNING id
