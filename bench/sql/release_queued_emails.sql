-- Makes the held emails of users whose email starts with $1 due now, and wakes the workers.
WITH due AS (
    UPDATE emails SET next_attempt_at = now() WHERE recipient LIKE $1 || '%' AND status = 'queued' RETURNING id
)
SELECT count(*)::int AS released, pg_notify('registration_api_emails', '') IS NULL AS notified FROM due
