-- Any rows. $1 now, $2 give-up age in seconds, $3 how many due emails to look at
-- (the oldest, as the claim that follows does). Due emails that must not go out:
-- cancelled when their activation was superseded, used or deleted, or their user is
-- gone or activated, or (a reset email) when its code was superseded, used or deleted;
-- failed when Mailjet has still not accepted it after the give-up age. An email that
-- waits for a quota or a cap, never tried, waits as long as it takes.
WITH due AS (
    SELECT e.id, e.kind, e.activation_id, e.password_reset_id, e.attempts, e.queued_at
    FROM emails e
    WHERE (e.status = 'queued' OR (e.status = 'sending' AND e.locked_until <= $1))
      AND e.next_attempt_at <= $1
    ORDER BY e.next_attempt_at, e.id
    LIMIT $3
), oldest AS (
    SELECT due.id,
           (due.kind = 'activation' AND (a.id IS NULL OR a.superseded_at IS NOT NULL OR a.used_at IS NOT NULL
                                         OR u.id IS NULL OR u.is_activated))
           OR (due.kind = 'password_reset' AND (r.id IS NULL OR r.superseded_at IS NOT NULL OR r.used_at IS NOT NULL
                                                OR r.user_id IS NULL)) AS stale,
           due.attempts > 0 AND due.queued_at <= $1::timestamptz - make_interval(secs => $2) AS given_up
    FROM due
    LEFT JOIN activations a ON a.id = due.activation_id
    LEFT JOIN users u ON u.id = a.user_id
    LEFT JOIN password_resets r ON r.id = due.password_reset_id
), unsendable AS (
    -- Only these are locked: the others are left to the claim.
    SELECT e.id, oldest.stale
    FROM emails e
    JOIN oldest ON oldest.id = e.id
    WHERE oldest.stale OR oldest.given_up
    FOR UPDATE OF e SKIP LOCKED
)
UPDATE emails e
SET status = CASE WHEN unsendable.stale THEN 'cancelled' ELSE 'failed' END,
    locked_by = NULL, locked_until = NULL
FROM unsendable
WHERE e.id = unsendable.id
RETURNING e.id, e.status, e.last_error_status
