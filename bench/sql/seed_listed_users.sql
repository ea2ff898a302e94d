-- $2 users of server $1, emails {$3}{8 hex digits}.{n}@bench.test, all with password
-- hash $4, half a second apart up to now (newest last) and every third one activated. The hex
-- digits (of md5(n)) spread each email prefix over the whole list, as real
-- addresses are, instead of clustering it in time as numbered ones would.
-- All within UNACTIVATED_TTL_SECONDS (a day) of now: older never-activated users would be
-- deleted by the maintenance sweep while the run loads the service.
INSERT INTO users (server_id, email, password_hash, first_name, last_name, is_activated, activated_at,
                   time_created, time_updated)
SELECT $1, $3 || substr(md5(n::text), 1, 8) || '.' || n || '@bench.test', $4, 'Bench', 'User ' || n, n % 3 = 0, CASE WHEN n % 3 = 0 THEN t END, t, t
FROM generate_series(1, $2::int) AS n,
     LATERAL (SELECT now() - ($2::int - n) * interval '500 milliseconds' AS t) AS times
