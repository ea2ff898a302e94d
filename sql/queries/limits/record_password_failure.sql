-- One row. Counts a wrong password for subject $1 (SHA-256 of server and
-- lower-cased email) of limit $7 at $2. $3 failures allowed per window, $4 the
-- window in seconds, $5 the first lock in seconds, $6 the longest. The $3-th
-- failure in a window locks the subject at once for $5 seconds, doubled for each
-- lock before it, up to $6; a right password deletes the row, lock included. A
-- failure while already locked (a concurrent guess) changes nothing
-- (allowed = false). A row past expires_at counts as new: the lock level is
-- forgotten one window after the last lock ends.
INSERT INTO limit_buckets AS b (kind, subject, attempts, window_started_at, lockouts, locked_until, allowed, expires_at)
SELECT $7, $1, f.attempts, $2::timestamptz, f.lockouts, f.locked_until, true,
       greatest($2::timestamptz, f.locked_until) + $4::float8 * interval '1 second'
FROM (SELECT CASE WHEN 1 >= $3::int THEN 0 ELSE 1 END AS attempts,
             CASE WHEN 1 >= $3::int THEN 1 ELSE 0 END AS lockouts,
             CASE WHEN 1 >= $3::int THEN $2::timestamptz + least($5::float8, $6::float8) * interval '1 second' END AS locked_until) f
ON CONFLICT (kind, subject) DO UPDATE
SET (attempts, window_started_at, lockouts, locked_until, allowed, expires_at) = (
    SELECT CASE WHEN s.locked THEN b.attempts WHEN r.reaches THEN 0 ELSE s.counted END,
           CASE WHEN s.locked THEN b.window_started_at WHEN r.reaches THEN $2::timestamptz ELSE s.window_start END,
           CASE WHEN s.locked THEN b.lockouts ELSE s.prior_lockouts + r.reaches::int END,
           CASE WHEN s.locked THEN b.locked_until WHEN r.reaches THEN r.lock_end ELSE s.prior_locked_until END,
           NOT s.locked,
           CASE WHEN s.locked THEN b.expires_at
                ELSE greatest(CASE WHEN r.reaches THEN $2::timestamptz ELSE s.window_start END,
                              CASE WHEN r.reaches THEN r.lock_end ELSE s.prior_locked_until END)
                     + $4::float8 * interval '1 second'
           END
    FROM (SELECT NOT fresh AND coalesce(b.locked_until > $2::timestamptz, false) AS locked,
                 CASE WHEN new_window THEN 1 ELSE b.attempts + 1 END AS counted,
                 CASE WHEN new_window THEN $2::timestamptz ELSE b.window_started_at END AS window_start,
                 CASE WHEN fresh THEN 0 ELSE b.lockouts END AS prior_lockouts,
                 CASE WHEN fresh THEN NULL ELSE b.locked_until END AS prior_locked_until
          FROM (SELECT b.expires_at <= $2::timestamptz AS fresh) e,
               LATERAL (SELECT e.fresh OR b.window_started_at IS NULL
                               OR b.window_started_at + $4::float8 * interval '1 second' <= $2::timestamptz AS new_window) w) s,
         LATERAL (SELECT s.counted >= $3::int AS reaches,
                         $2::timestamptz + least($5::float8 * power(2, least(s.prior_lockouts, 30)), $6::float8) * interval '1 second'
                             AS lock_end) r
)
RETURNING allowed, attempts, window_started_at, locked_until
