-- Many rows (at most $2). Users never activated whose last activation email
-- (sent, or created when it was never sent) is from $1 or before: their codes and
-- links go with them (ON DELETE CASCADE), and their email can register again.
DELETE FROM users
WHERE id IN (
    SELECT u.id FROM users u
    WHERE NOT u.is_activated
      AND u.time_created <= $1
      AND NOT EXISTS (
          SELECT 1 FROM activations a
          WHERE a.user_id = u.id AND coalesce(a.sent_at, a.created_at) > $1)
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING id
