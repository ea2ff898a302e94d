-- Zero or one row. $1 server id, $2 email (any case).
SELECT id, email, password_hash, first_name, last_name, birth_date::text AS birth_date,
       is_activated, activated_at, last_sign_in_at, time_created, time_updated
FROM users
WHERE server_id = $1 AND lower(email) = lower($2)
