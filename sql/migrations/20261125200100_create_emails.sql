-- migrate:up
-- The outbox: one row per email to send, written in the transaction that makes
-- what it announces. No code or link is kept here: the first attempt sends what
-- the request made; any later one makes a fresh code and link as it claims the row.
CREATE TABLE emails (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    kind              text        NOT NULL DEFAULT 'activation',
    -- Rows outlive their user (SET NULL), so the per-address caps survive a
    -- delete and re-register; they go with their server.
    server_id         uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    user_id           uuid        REFERENCES users (id) ON DELETE SET NULL,
    activation_id     uuid        REFERENCES activations (id) ON DELETE SET NULL,
    -- Lower-cased address: what the caps count by.
    recipient         text        NOT NULL,
    status            text        NOT NULL,
    attempts          integer     NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL,
    -- Start of the give-up age; reset when an operator queues a failed email again.
    queued_at         timestamptz NOT NULL,
    next_attempt_at   timestamptz NOT NULL,
    -- The lease: whoever sends holds the row until locked_until, then anyone may retry it.
    locked_by         text,
    locked_until      timestamptz,
    sent_at           timestamptz,
    message_id        text,
    last_error_status integer,
    last_error_code   text,
    CONSTRAINT emails_kind_check CHECK (kind IN ('activation', 'password_reset')),
    CONSTRAINT emails_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    CONSTRAINT emails_recipient_check CHECK (recipient = lower(recipient)),
    CONSTRAINT emails_lease_check CHECK ((status = 'sending') = (locked_until IS NOT NULL)),
    CONSTRAINT emails_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

-- The worker's claim: due rows, oldest first.
CREATE INDEX emails_due_idx ON emails (next_attempt_at, id) WHERE status IN ('queued', 'sending');
-- Caps and quotas count the emails accepted (or being sent) by address, by server and by day.
CREATE INDEX emails_recipient_idx ON emails (recipient, sent_at);
CREATE INDEX emails_server_sent_idx ON emails (server_id, sent_at);
CREATE INDEX emails_sent_at_idx ON emails (sent_at) WHERE status = 'sent';
CREATE INDEX emails_user_idx ON emails (user_id, created_at);
CREATE INDEX emails_activation_idx ON emails (activation_id);

-- Set while Mailjet refuses the account (401/403): no instance sends, one probes now and then.
CREATE TABLE mail_pause (
    singleton     boolean     PRIMARY KEY DEFAULT true,
    paused_at     timestamptz NOT NULL,
    status        integer,
    error_code    text,
    probes        integer     NOT NULL DEFAULT 0,
    next_probe_at timestamptz NOT NULL,
    CONSTRAINT mail_pause_singleton_check CHECK (singleton)
);

-- A server's own share of the daily mail quota; NULL: no share of its own.
ALTER TABLE servers ADD COLUMN mail_per_day integer CONSTRAINT servers_mail_per_day_check CHECK (mail_per_day >= 0);

-- migrate:down
ALTER TABLE servers DROP COLUMN mail_per_day;
DROP TABLE mail_pause;
DROP TABLE emails;
