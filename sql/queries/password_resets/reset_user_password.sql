-- Zero or one row. $1 user id, $2 new argon2id hash, $3 now. The reset code proved the
-- address, so a user not yet activated is activated too (`newly_activated`: by this reset).
UPDATE users u
SET password_hash = $2, is_activated = true, activated_at = coalesce(u.activated_at, $3), time_updated = $3
FROM (SELECT is_activated AS was_activated FROM users WHERE id = $1) before
WHERE u.id = $1
RETURNING u.id, u.email, u.first_name, u.last_name, u.birth_date::text AS birth_date,
          u.is_activated, u.activated_at, u.last_sign_in_at, u.time_created, u.time_updated,
          NOT before.was_activated AS newly_activated
