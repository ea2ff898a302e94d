-- Many rows (at most $2). Codes and links whose lifetime ended at $1 or before:
-- used, replaced or expired, none of them can activate anything any more.
DELETE FROM activations
WHERE id IN (
    SELECT id FROM activations
    WHERE expires_at <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING id
