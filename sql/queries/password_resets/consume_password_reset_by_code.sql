-- One row. $1 server id, $2 email (any case), $3 HMAC of the tried code under SECRET_KEY,
-- $4 its HMAC under SECRET_KEY_PREVIOUS (NULL without one), $5 now, $6 most wrong
-- attempts allowed. The code is compared here, never in JavaScript, and the wrong
-- attempt counted, or the code consumed, in this one statement: concurrent guesses
-- cannot get past the limit. A code matches only for a real user and once its email
-- was sent (before that nobody knows it), so an email no user has behaves exactly as
-- a real one whose code was never guessed. `outcome`:
--   matched  the code is used up; `user_id` is the user whose password to set
--   wrong    counted; `wrong_attempts` is the count now
--   gone     no live code: expired, burned, used, or the tried code is that of an
--            email this one replaced (that answers "replaced", not "wrong")
--   none     this (server, email) never asked for a reset
WITH attempt AS (
    UPDATE password_resets
    SET wrong_attempts = wrong_attempts +
            CASE WHEN user_id IS NOT NULL AND sent_at IS NOT NULL AND code_hmac IN ($3, $4) THEN 0 ELSE 1 END,
        used_at = CASE WHEN user_id IS NOT NULL AND sent_at IS NOT NULL AND code_hmac IN ($3, $4)
                       THEN $5::timestamptz END
    WHERE server_id = $1
      AND email = lower($2)
      AND superseded_at IS NULL
      AND used_at IS NULL
      AND expires_at > $5
      AND wrong_attempts < $6
      AND (code_hmac IN ($3, $4) OR NOT EXISTS (
          SELECT 1 FROM password_resets replaced
          WHERE replaced.server_id = $1 AND replaced.email = lower($2)
            AND replaced.superseded_at IS NOT NULL AND replaced.sent_at IS NOT NULL
            AND replaced.code_hmac IN ($3, $4)))
    RETURNING used_at IS NOT NULL AS matched, wrong_attempts, user_id
)
SELECT CASE
           WHEN EXISTS (SELECT 1 FROM attempt WHERE matched) THEN 'matched'
           WHEN EXISTS (SELECT 1 FROM attempt) THEN 'wrong'
           WHEN EXISTS (SELECT 1 FROM password_resets WHERE server_id = $1 AND email = lower($2)) THEN 'gone'
           ELSE 'none'
       END AS outcome,
       (SELECT wrong_attempts FROM attempt) AS wrong_attempts,
       (SELECT user_id FROM attempt WHERE matched) AS user_id
