-- Any rows. Claims up to $4 due emails for worker $3 until $2 (the lease) and, in this
-- same statement, gives each one's activation the fresh code and link at its position
-- in $5 (hex HMACs of codes) and $6 (hex SHA-256 of link tokens), and each one's
-- password reset the fresh code at its position in $16 (hex HMACs of reset codes). Run under
-- lock_delivery.sql, so the counts below see every other claim.
-- $1 now; $7 only this email (NULL: any); $8 ignore the pause (a probe);
-- $9 daily limit, $10 monthly limit (NULL: none); $11 UTC day start, $12 month start;
-- $13 most emails per (server, address) in 24 h; $14 most per address in 24 h;
-- $15 how long an email held back by a cap waits before it is looked at again (s).
-- The per-address counts read an address's few emails by the recipient index: written as
-- CASE, their status conditions are not an index condition, which would be planned as a
-- bitmap over every queued and sending email, a scan that grows with the backlog.
-- Counted: emails accepted in the window (never after it: a clock set back does not
-- count the future), and those being sent under a live lease.
WITH due AS (
    -- Two branches so each keeps its own index, prepared or not: the request's own row by
    -- its key, or the oldest due rows; the branch whose condition on $7 fails never runs.
    (SELECT e.id, e.server_id, e.recipient, e.next_attempt_at FROM emails e
     WHERE e.id = $7
       AND (e.status = 'queued' OR (e.status = 'sending' AND e.locked_until <= $1)) AND e.next_attempt_at <= $1)
    UNION ALL
    (SELECT e.id, e.server_id, e.recipient, e.next_attempt_at FROM emails e
     WHERE $7::uuid IS NULL
       AND (e.status = 'queued' OR (e.status = 'sending' AND e.locked_until <= $1)) AND e.next_attempt_at <= $1
     ORDER BY e.next_attempt_at, e.id
     LIMIT $4 * 2)
), candidates AS (
    -- From the rows read above, not emails again: a second read of the table by id is
    -- planned as a scan of it once the statement's plan is generic.
    SELECT due.id, due.server_id, due.recipient, due.next_attempt_at, s.mail_per_day
    FROM due
    JOIN servers s ON s.id = due.server_id
    WHERE $8 OR NOT EXISTS (SELECT 1 FROM mail_pause)
), counted AS (
    SELECT c.*,
        row_number() OVER (PARTITION BY c.server_id, c.recipient ORDER BY c.next_attempt_at, c.id) + used.to_user AS nth_to_user,
        row_number() OVER (PARTITION BY c.recipient ORDER BY c.next_attempt_at, c.id) + used.to_address AS nth_to_address,
        CASE WHEN c.mail_per_day IS NOT NULL THEN
            row_number() OVER (PARTITION BY c.server_id ORDER BY c.next_attempt_at, c.id) +
            -- Two counts, each by its own index: the server's sends of the day as a range of
            -- its index, and the few live leases with the server as a FILTER (see below).
            (SELECT count(*) FROM emails x WHERE x.server_id = c.server_id
             AND x.status = 'sent' AND x.sent_at >= $11 AND x.sent_at < $11::timestamptz + interval '1 day') +
            (SELECT count(*) FILTER (WHERE x.server_id = c.server_id) FROM emails x
             WHERE x.status = 'sending' AND x.locked_until > $1)
        END AS nth_of_server
    FROM candidates c
    -- One read of the address's rows for both counts: the server as a FILTER, not a condition,
    -- which would be planned as a bitmap AND with the server's index, a scan of all its emails.
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE x.server_id = c.server_id) AS to_user, count(*) AS to_address
        FROM emails x WHERE x.recipient = c.recipient
        AND CASE x.status WHEN 'sent' THEN x.sent_at > $1::timestamptz - interval '24 hours'
                          WHEN 'sending' THEN x.locked_until > $1 ELSE false END
    ) used
), capped AS (
    SELECT id, nth_to_user > $13 OR nth_to_address > $14 OR coalesce(nth_of_server > mail_per_day, false) AS over,
           next_attempt_at
    FROM counted
), quota AS (
    SELECT least(
        CASE WHEN $9::int IS NULL THEN $4 ELSE $9::int - (SELECT count(*) FROM emails x
            WHERE (x.status = 'sent' AND x.sent_at >= $11 AND x.sent_at < $11::timestamptz + interval '1 day') OR (x.status = 'sending' AND x.locked_until > $1)) END,
        CASE WHEN $10::int IS NULL THEN $4 ELSE $10::int - (SELECT count(*) FROM emails x
            WHERE (x.status = 'sent' AND x.sent_at >= $12 AND x.sent_at < $12::timestamptz + interval '1 month') OR (x.status = 'sending' AND x.locked_until > $1)) END,
        $4
    ) AS n
), chosen AS (
    SELECT id FROM capped WHERE NOT over ORDER BY next_attempt_at, id LIMIT greatest((SELECT n FROM quota), 0)
), locked AS (
    SELECT e.id FROM emails e WHERE e.id IN (SELECT id FROM chosen) FOR UPDATE SKIP LOCKED
), numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM locked
), held_back AS (
    UPDATE emails e SET next_attempt_at = $1::timestamptz + make_interval(secs => $15)
    FROM capped WHERE e.id = capped.id AND capped.over
), claimed AS (
    UPDATE emails e
    SET status = 'sending', attempts = e.attempts + 1, locked_by = $3, locked_until = $2
    FROM numbered
    WHERE e.id = numbered.id
    RETURNING e.id, e.kind, e.attempts, e.queued_at, e.activation_id, e.password_reset_id, e.user_id, e.server_id,
              numbered.n
), refreshed AS (
    UPDATE activations a
    SET code_hmac = decode(($5::text[])[claimed.n], 'hex'), token_hash = decode(($6::text[])[claimed.n], 'hex')
    FROM claimed
    -- The request's own first attempt carries the code it just stored.
    WHERE a.id = claimed.activation_id AND $7::uuid IS NULL
), refreshed_reset AS (
    UPDATE password_resets r
    SET code_hmac = decode(($16::text[])[claimed.n], 'hex')
    FROM claimed
    WHERE r.id = claimed.password_reset_id AND $7::uuid IS NULL
)
SELECT c.id, c.kind, c.attempts, c.queued_at, c.activation_id, c.password_reset_id, c.n::int AS secret_index,
       u.email, u.first_name, u.last_name, s.name AS server_name
FROM claimed c
JOIN users u ON u.id = c.user_id
JOIN servers s ON s.id = c.server_id
