-- Zero or one row. $1 user id, $2 new argon2id hash, $3 now. The reset code proved the
-- address, so a user not yet activated is activated too.
UPDATE users
SET password_hash = $2, is_activated = true, activated_at = coalesce(activated_at, $3), time_updated = $3
WHERE id = $1
RETURNING id, email, first_name, last_name, birth_date::text AS birth_date,
          is_activated, activated_at, last_sign_in_at, time_created, time_updated
