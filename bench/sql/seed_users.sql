-- $2 users of server $1, emails {$3}{n}@bench.test, all with password hash $4.
-- Seeding through the API would spend minutes hashing 10,000 passwords.
INSERT INTO users (server_id, email, password_hash, first_name, last_name, time_created, time_updated)
SELECT $1, $3 || n || '@bench.test', $4, 'Bench', 'User ' || n, now(), now()
FROM generate_series(1, $2::int) AS n
