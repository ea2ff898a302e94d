-- Zero or one row (none when the user was deleted meanwhile). $1 user id, $2 now.
-- A sign-in is not a change to the user, so time_updated stays as it was.
UPDATE users
SET last_sign_in_at = $2
WHERE id = $1
RETURNING id, email, first_name, last_name, birth_date::text AS birth_date,
          is_activated, activated_at, last_sign_in_at, time_created, time_updated
