-- Zero or one row. $1 activation id, $2 now, $3 most wrong attempts allowed.
-- Consumes a live link and activates its user in one statement; no row means
-- the link is expired, burned by wrong codes, used or superseded.
WITH consumed AS (
    UPDATE activations
    SET used_at = $2
    WHERE id = $1
      AND superseded_at IS NULL
      AND used_at IS NULL
      AND expires_at > $2
      AND wrong_attempts < $3
    RETURNING user_id
), activated AS (
    UPDATE users
    SET is_activated = true, activated_at = $2, time_updated = $2
    WHERE id = (SELECT user_id FROM consumed) AND NOT is_activated
)
SELECT user_id FROM consumed
