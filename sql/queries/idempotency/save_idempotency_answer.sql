-- At most one row (none when run $3 no longer owns key $2 of server $1): stores its answer
-- $4 status, $5 headers, $6 body. $7 true: the run goes on (the answer was staged in the
-- transaction that commits its change), so the key stays locked; false: the final answer.
UPDATE idempotency_keys
SET status = $4,
    headers = $5,
    body = $6,
    locked_until = CASE WHEN $7::boolean THEN locked_until END
WHERE server_id = $1 AND key = $2 AND attempt = $3
RETURNING 1 AS saved
