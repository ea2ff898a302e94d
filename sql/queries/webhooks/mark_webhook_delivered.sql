-- Zero or one row (none: the lease was lost). $1 delivery id, $2 worker id, $3 now, $4 the receiver's status.
UPDATE webhook_deliveries
SET status = 'delivered', delivered_at = $3, last_status = $4, locked_by = NULL, locked_until = NULL
WHERE id = $1 AND status = 'sending' AND locked_by = $2
RETURNING id
