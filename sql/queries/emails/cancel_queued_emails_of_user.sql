-- Any rows. $1 user id. Emails still waiting for a superseded activation never go out.
UPDATE emails
SET status = 'cancelled'
WHERE user_id = $1 AND status = 'queued'
RETURNING id
