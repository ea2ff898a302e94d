-- migrate:up
-- The quota and cap counts take every email being sent under a live lease: a handful
-- at any time, found here, however many emails wait behind a reached quota.
CREATE INDEX emails_sending_idx ON emails (locked_until) WHERE status = 'sending';

-- migrate:down
DROP INDEX emails_sending_idx;
