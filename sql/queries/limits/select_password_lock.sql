-- Zero or one row. $1 kind, $2 subject (SHA-256), $3 now: the subject's count while it
-- lasts (no row: no failure counts), with the end of its lock when it is locked now.
-- Read before any password hash is computed.
SELECT CASE WHEN locked_until > $3 THEN locked_until END AS locked_until
FROM limit_buckets
WHERE kind = $1 AND subject = $2 AND expires_at > $3
