-- Zero or one row (none: the lease was lost). $1 delivery id, $2 worker id,
-- $3 next status ('queued', 'failed' or 'cancelled'), $4 next attempt, $5 the receiver's
-- status or NULL (no answer), $6 true when the attempt never got an answer and must not count.
UPDATE webhook_deliveries
SET status = $3, next_attempt_at = $4, locked_by = NULL, locked_until = NULL,
    last_status = CASE WHEN $6 THEN last_status ELSE $5 END,
    attempts = attempts - CASE WHEN $6 THEN 1 ELSE 0 END
WHERE id = $1 AND status = 'sending' AND locked_by = $2
RETURNING id
