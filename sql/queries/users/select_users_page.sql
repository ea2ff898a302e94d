-- Zero to $5 rows: server $1's users, newest first, after the cursor position
-- ($2 time_created, $3 id; both NULL for the first page), optionally only those
-- with is_activated = $4 and those whose lower-cased email starts with $6.
-- Run unprepared, so each call is planned with its own values: the planner then
-- picks the (server, time) or (server, is_activated, time) index, or the email
-- range for a rare prefix, instead of one generic plan for every filter.
-- The prefix is a byte-wise range, not LIKE, so % and _ are plain characters;
-- chr(1114111) is the highest code point, after every character an email holds.
SELECT id, email, first_name, last_name, birth_date::text AS birth_date,
       is_activated, activated_at, last_sign_in_at, time_created, time_updated,
       to_char(time_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
FROM users
WHERE server_id = $1
  AND ($2::timestamptz IS NULL OR (time_created, id) < ($2::timestamptz, $3::uuid))
  AND ($4::boolean IS NULL OR is_activated = $4::boolean)
  AND ($6::text IS NULL OR (lower(email) COLLATE "C" >= lower($6::text) COLLATE "C"
                            AND lower(email) COLLATE "C" < (lower($6::text) || chr(1114111)) COLLATE "C"))
ORDER BY time_created DESC, id DESC
LIMIT $5
