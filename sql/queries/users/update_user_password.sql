-- Zero or one row. $1 user id, $2 new argon2id hash, $3 the hash the caller's
-- password was verified against, $4 now. No row when the password changed since
-- that check: of two changes racing with one old password, only the first wins.
UPDATE users
SET password_hash = $2, time_updated = $4
WHERE id = $1 AND password_hash = $3
RETURNING id
