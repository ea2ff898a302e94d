-- migrate:up
-- Every limit's counter, shared by all instances: one row per (kind, subject),
-- changed by one INSERT ... ON CONFLICT DO UPDATE ... RETURNING per check.
-- UNLOGGED: counters are short-lived and rewritten on every check, so they skip
-- the WAL; a database crash (or a failover to a replica) resets them, which
-- only forgives some waiting.
CREATE UNLOGGED TABLE limit_buckets (
    kind              text        NOT NULL,
    -- SHA-256 of what is limited (a server, a server and an email, a client
    -- address), so no email or address is kept here in clear.
    subject           bytea       NOT NULL,
    -- Rate limits (GCRA): the theoretical arrival time of the next request.
    tat               timestamptz,
    -- Password lockouts: attempts in the current window, when it began, how
    -- many locks so far (each doubles the next) and the end of the current one.
    attempts          integer     NOT NULL DEFAULT 0,
    window_started_at timestamptz,
    lockouts          integer     NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    -- The decision of the latest check, for RETURNING to read.
    allowed           boolean     NOT NULL,
    -- After this the row means nothing any more: checks treat it as new, and
    -- the background maintenance deletes it.
    expires_at        timestamptz NOT NULL,
    CONSTRAINT limit_buckets_pkey PRIMARY KEY (kind, subject),
    CONSTRAINT limit_buckets_subject_check CHECK (octet_length(subject) = 32),
    CONSTRAINT limit_buckets_counts_check CHECK (attempts >= 0 AND lockouts >= 0)
);

CREATE INDEX limit_buckets_expires_at_idx ON limit_buckets (expires_at);

-- migrate:down
DROP TABLE limit_buckets;
