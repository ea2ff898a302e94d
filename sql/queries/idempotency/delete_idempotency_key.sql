-- At most one row: gives key $2 of server $1 back after run $3 failed with nothing
-- committed, so a retry runs the request again.
DELETE FROM idempotency_keys
WHERE server_id = $1 AND key = $2 AND attempt = $3 AND status IS NULL
RETURNING 1 AS deleted
