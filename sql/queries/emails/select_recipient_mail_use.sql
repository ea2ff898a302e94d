-- One row. $1 server id, $2 address, $3 now. Emails accepted (or being sent) in the
-- last 24 h to this address, from this server and from all servers, and when the
-- oldest of each leaves the window; plus the newest email queued for it by this server.
WITH recent AS (
    SELECT server_id, coalesce(sent_at, created_at) AS at
    FROM emails
    WHERE recipient = lower($2)
      -- CASE, not OR: by the recipient index alone (see claim_due_emails.sql).
      AND CASE status WHEN 'sent' THEN sent_at > $3::timestamptz - interval '24 hours'
                      WHEN 'sending' THEN locked_until > $3 ELSE false END
)
SELECT (SELECT count(*) FROM recent WHERE server_id = $1)::int AS to_user,
       (SELECT min(at) FROM recent WHERE server_id = $1) + interval '24 hours' AS user_frees_at,
       (SELECT count(*) FROM recent)::int AS to_address,
       (SELECT min(at) FROM recent) + interval '24 hours' AS address_frees_at,
       -- The server as a FILTER: by the recipient index alone (see claim_due_emails.sql).
       (SELECT max(created_at) FILTER (WHERE server_id = $1) FROM emails WHERE recipient = lower($2)) AS last_queued_at
