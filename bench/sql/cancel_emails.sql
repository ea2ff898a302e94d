-- Takes the emails to users whose email starts with $1 out of the queue, so no later row sends them.
UPDATE emails SET status = 'cancelled', locked_by = NULL, locked_until = NULL
WHERE recipient LIKE $1 || '%' AND status IN ('queued', 'sending')
