-- Many rows (at most $2). Counters that expired before $1 mean nothing any more.
DELETE FROM limit_buckets
WHERE (kind, subject) IN (
    SELECT kind, subject FROM limit_buckets
    WHERE expires_at <= $1
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING kind
