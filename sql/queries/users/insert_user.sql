-- One row. $1 server id, $2 email, $3 argon2id hash, $4 first name, $5 last name,
-- $6 birth date, $7 now. A taken (server, lower(email)) raises users_server_email_key.
INSERT INTO users (server_id, email, password_hash, first_name, last_name, birth_date, time_created, time_updated)
VALUES ($1, $2, $3, $4, $5, $6::date, $7, $7)
RETURNING id, email, password_hash, first_name, last_name, birth_date::text AS birth_date,
          is_activated, activated_at, last_sign_in_at, time_created, time_updated
