-- Zero or one row. $1 server id, $2 email (any case), $3 the oldest last-email
-- time still kept. Removes the server's user of that email when it was never
-- activated and its last activation email (sent, or created when never sent) is
-- from $3 or before, so a new registration replaces it instead of answering 409.
DELETE FROM users u
WHERE u.server_id = $1
  AND lower(u.email) = lower($2)
  AND NOT u.is_activated
  AND u.time_created <= $3
  AND NOT EXISTS (
      SELECT 1 FROM activations a
      WHERE a.user_id = u.id AND coalesce(a.sent_at, a.created_at) > $3)
RETURNING u.id, u.email, u.password_hash, u.first_name, u.last_name, u.birth_date::text AS birth_date,
          u.is_activated, u.activated_at, u.last_sign_in_at, u.time_created, u.time_updated
