-- One row. Takes one request from the rate limit $1 of subject $2 (SHA-256) at $3:
-- GCRA, with $4 seconds between requests at the steady rate and a burst of up to
-- $5 seconds' worth. `allowed` is the decision; `tat` (the theoretical arrival
-- time) gives the retry time and what is left. One statement, so instances
-- checking at once are serialized on the row and never exceed the rate.
INSERT INTO limit_buckets AS b (kind, subject, tat, allowed, expires_at)
VALUES ($1, $2, $3::timestamptz + $4::float8 * interval '1 second', true, $3::timestamptz + $4::float8 * interval '1 second')
ON CONFLICT (kind, subject) DO UPDATE
SET (tat, allowed, expires_at) = (
    SELECT CASE WHEN f.fits THEN n.next ELSE b.tat END, f.fits, CASE WHEN f.fits THEN n.next ELSE b.tat END
    -- A bucket never runs more than a burst ahead of now; further means another
    -- instance's clock is ahead of this one's, and its schedule is not held
    -- against this caller: the bucket starts afresh.
    FROM (SELECT CASE WHEN b.tat > $3::timestamptz + $5::float8 * interval '1 second'
                      THEN $3::timestamptz + $4::float8 * interval '1 second'
                      ELSE greatest(b.tat, $3::timestamptz) + $4::float8 * interval '1 second'
                 END AS next) n,
         LATERAL (SELECT n.next <= $3::timestamptz + $5::float8 * interval '1 second' AS fits) f
)
RETURNING allowed, tat
