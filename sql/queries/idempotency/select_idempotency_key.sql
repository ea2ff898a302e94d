-- At most one row: key $2 of server $1 as it stands, to replay or refuse.
SELECT fingerprint, attempt, locked_until, status, headers, body
FROM idempotency_keys
WHERE server_id = $1 AND key = $2
