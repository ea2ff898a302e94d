-- Zero or one row. $1 user id, $2 code tried, $3 now, $4 most wrong attempts allowed.
-- The wrong attempt is counted, or the code consumed and the user activated, in
-- this one statement: concurrent guesses cannot get past the limit. No row means
-- there is no live code (expired, burned, used or superseded), or that $2 is the
-- code of an email this one replaced: that answers "replaced", not "wrong".
WITH attempt AS (
    UPDATE activations
    SET wrong_attempts = wrong_attempts + CASE WHEN code = $2 THEN 0 ELSE 1 END,
        used_at = CASE WHEN code = $2 THEN $3::timestamptz END
    WHERE user_id = $1
      AND superseded_at IS NULL
      AND used_at IS NULL
      AND expires_at > $3
      AND wrong_attempts < $4
      AND (code = $2 OR NOT EXISTS (
          SELECT 1 FROM activations replaced
          WHERE replaced.user_id = $1 AND replaced.superseded_at IS NOT NULL AND replaced.code = $2))
    RETURNING code = $2 AS matched, wrong_attempts
), activated AS (
    UPDATE users
    SET is_activated = true, activated_at = $3, time_updated = $3
    WHERE id = $1 AND NOT is_activated AND EXISTS (SELECT 1 FROM attempt WHERE matched)
)
SELECT matched, wrong_attempts FROM attempt
