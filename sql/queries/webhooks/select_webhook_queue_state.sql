-- One row. $1 now. What /metrics shows of the webhook queue: deliveries waiting to be
-- posted (queued or being posted), and when the oldest due one became due.
SELECT count(*)::int AS pending,
       min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1) AS oldest_due_at
FROM webhook_deliveries
WHERE status IN ('queued', 'sending')
