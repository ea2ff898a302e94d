-- At most one row. Claims key $2 of server $1 for the run $4 when it is new, expired, or
-- left unanswered by a run whose lock passed (its instance died) for the same request;
-- no row: the key is taken (in flight, answered, or another request's), read it.
-- $3 fingerprint, $5 now, $6 lock seconds, $7 retention seconds.
-- A few expired keys of any server are purged on the way (never the one claimed).
WITH purged AS (
    DELETE FROM idempotency_keys
    WHERE ctid IN (
        SELECT ctid FROM idempotency_keys
        WHERE expires_at <= $5 AND NOT (server_id = $1 AND key = $2)
        LIMIT 100
    )
)
INSERT INTO idempotency_keys AS k (server_id, key, fingerprint, attempt, locked_until, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5 + make_interval(secs => $6), $5, $5 + make_interval(secs => $7))
ON CONFLICT (server_id, key) DO UPDATE
SET fingerprint = excluded.fingerprint,
    attempt = excluded.attempt,
    locked_until = excluded.locked_until,
    status = NULL,
    headers = NULL,
    body = NULL,
    created_at = excluded.created_at,
    expires_at = excluded.expires_at
WHERE k.expires_at <= $5
   OR (k.status IS NULL AND k.locked_until <= $5 AND k.fingerprint = excluded.fingerprint)
RETURNING k.attempt
