-- Zero or one row. Forgets subject $2 (SHA-256) of limit $1: a right password resets its count and lock.
DELETE FROM limit_buckets
WHERE kind = $1 AND subject = $2
RETURNING kind
