-- migrate:up
-- A server's webhook: where events go, and its signing secret. The secret must be
-- usable to sign (HMAC needs its bytes), so it cannot be hashed: it is kept
-- AES-256-GCM-encrypted under a key derived from SECRET_KEY (src/webhooks/webhooks.secret.ts).
-- It stays when the webhook is turned off, so turning it on again needs no new secret.
ALTER TABLE servers
    ADD COLUMN webhook_url text,
    ADD COLUMN webhook_secret bytea,
    ADD CONSTRAINT servers_webhook_url_check CHECK (webhook_url ~ '^https?://'),
    ADD CONSTRAINT servers_webhook_secret_check CHECK (webhook_url IS NULL OR webhook_secret IS NOT NULL);

-- The webhook outbox: one row per event to deliver, written in the transaction that
-- makes the change it announces. `body` is the exact JSON signed and sent on every attempt.
CREATE TABLE webhook_deliveries (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Insertion order: breaks ties of created_at (events of one instant, instances' clocks).
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    server_id       uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    event           text        NOT NULL,
    body            text        NOT NULL,
    status          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    -- The lease: whoever sends holds the row until locked_until, then anyone may retry it.
    locked_by       text,
    locked_until    timestamptz,
    delivered_at    timestamptz,
    last_status     integer,
    CONSTRAINT webhook_deliveries_event_check
        CHECK (event IN ('user.registered', 'user.activated', 'user.deleted', 'user.password_changed')),
    CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('queued', 'sending', 'delivered', 'failed', 'cancelled')),
    CONSTRAINT webhook_deliveries_lease_check CHECK ((status = 'sending') = (locked_until IS NOT NULL)),
    CONSTRAINT webhook_deliveries_delivered_check CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);

-- The worker's claim: due rows, oldest first.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, id) WHERE status IN ('queued', 'sending');
-- GET /webhooks/deliveries: a server's newest.
CREATE INDEX webhook_deliveries_server_idx ON webhook_deliveries (server_id, created_at DESC, seq DESC);

-- migrate:down
DROP TABLE webhook_deliveries;
ALTER TABLE servers
    DROP CONSTRAINT servers_webhook_secret_check,
    DROP CONSTRAINT servers_webhook_url_check,
    DROP COLUMN webhook_secret,
    DROP COLUMN webhook_url;
