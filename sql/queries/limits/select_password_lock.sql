-- Zero or one row. $1 kind, $2 subject (SHA-256), $3 now: the end of the subject's
-- lock when it is locked now. Read before any password hash is computed.
SELECT locked_until
FROM limit_buckets
WHERE kind = $1 AND subject = $2 AND locked_until > $3 AND expires_at > $3
