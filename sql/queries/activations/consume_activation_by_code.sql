-- Zero or one row. $1 user id, $2 HMAC of the code tried under SECRET_KEY, $3 its
-- HMAC under SECRET_KEY_PREVIOUS (NULL without one), $4 now, $5 most wrong
-- attempts allowed. The code is compared here, never in JavaScript, and the wrong
-- attempt counted, or the code consumed and the user activated, in this one
-- statement: concurrent guesses cannot get past the limit. No row means there is
-- no live code (expired, burned, used or superseded), or that the code tried is
-- that of an email this one replaced: that answers "replaced", not "wrong".
WITH attempt AS (
    UPDATE activations
    SET wrong_attempts = wrong_attempts + CASE WHEN code_hmac IN ($2, $3) THEN 0 ELSE 1 END,
        used_at = CASE WHEN code_hmac IN ($2, $3) THEN $4::timestamptz END
    WHERE user_id = $1
      AND superseded_at IS NULL
      AND used_at IS NULL
      AND expires_at > $4
      AND wrong_attempts < $5
      AND (code_hmac IN ($2, $3) OR NOT EXISTS (
          SELECT 1 FROM activations replaced
          WHERE replaced.user_id = $1 AND replaced.superseded_at IS NOT NULL AND replaced.code_hmac IN ($2, $3)))
    RETURNING coalesce(code_hmac IN ($2, $3), false) AS matched, wrong_attempts
), activated AS (
    UPDATE users
    SET is_activated = true, activated_at = $4, time_updated = $4
    WHERE id = $1 AND NOT is_activated AND EXISTS (SELECT 1 FROM attempt WHERE matched)
)
SELECT matched, wrong_attempts FROM attempt
