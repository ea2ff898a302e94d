-- Many rows (at most $2). Reset codes whose lifetime ended at $1 or before: used,
-- replaced or expired, none of them can change a password any more.
DELETE FROM password_resets
WHERE id IN (
    SELECT id FROM password_resets
    WHERE expires_at <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING id
