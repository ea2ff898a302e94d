-- Any rows. $1 now, $2 one email id or NULL for every failed one: queued again, with a
-- fresh give-up age; the workers of every instance are woken for them at commit.
WITH requeued AS (
    UPDATE emails
    SET status = 'queued', queued_at = $1, next_attempt_at = $1
    WHERE status = 'failed' AND ($2::uuid IS NULL OR id = $2)
    RETURNING id
)
SELECT id, pg_notify('registration_api_emails', '') IS NULL AS notified FROM requeued
