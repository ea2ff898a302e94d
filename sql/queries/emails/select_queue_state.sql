-- One row. $1 now, $2 UTC day start, $3 month start. What /metrics, /health and `bun run emails` show.
SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued,
       count(*) FILTER (WHERE status = 'sending')::int AS sending,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       min(next_attempt_at) FILTER (WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1) AS oldest_due_at,
       (SELECT count(*) FROM emails WHERE status = 'sent' AND sent_at >= $2 AND sent_at < $2::timestamptz + interval '1 day')::int AS sent_today,
       (SELECT count(*) FROM emails WHERE status = 'sent' AND sent_at >= $3 AND sent_at < $3::timestamptz + interval '1 month')::int AS sent_this_month,
       EXISTS (SELECT 1 FROM mail_pause) AS paused
FROM emails
WHERE status IN ('queued', 'sending', 'failed')
