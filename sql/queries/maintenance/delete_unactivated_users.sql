-- Many rows (at most $2). Users never activated whose last activation email
-- (sent, or created when it was never sent) is from $1 or before, and who have no
-- email still waiting to go (held by a quota or a cap, or Mailjet down): they have
-- not had their chance yet. Their codes and links go with them (ON DELETE CASCADE),
-- and their email can register again.
-- Each comes back as it was, with its server, for the user.deleted webhook event.
DELETE FROM users d
USING servers s
WHERE s.id = d.server_id
  AND d.id IN (
    SELECT u.id FROM users u
    WHERE NOT u.is_activated
      AND u.time_created <= $1
      AND NOT EXISTS (
          SELECT 1 FROM activations a
          WHERE a.user_id = u.id AND coalesce(a.sent_at, a.created_at) > $1)
      AND NOT EXISTS (
          SELECT 1 FROM emails e
          WHERE e.user_id = u.id AND e.status IN ('queued', 'sending'))
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING d.id, d.email, d.first_name, d.last_name, d.birth_date::text AS birth_date,
          d.is_activated, d.activated_at, d.last_sign_in_at, d.time_created, d.time_updated,
          d.server_id, s.name AS server_name
