-- migrate:up
-- The first answer to each Idempotency-Key of a server, kept 24 hours (IETF httpapi
-- idempotency-key draft): a retry gets that answer again instead of running twice.
CREATE TABLE idempotency_keys (
    server_id    uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    key          text        NOT NULL,
    -- SHA-256 of the request (method, path, body, user): the same key with another request is refused.
    fingerprint  bytea       NOT NULL,
    -- The run that owns the key; only it may store the answer or give the key back.
    attempt      uuid        NOT NULL,
    -- While set and ahead, a run is in flight; past, its instance died before answering.
    locked_until timestamptz,
    -- The answer: stored inside the transaction that commits the request's change
    -- (so a crash right after the commit still has one), then replaced by the final one.
    status       smallint,
    headers      jsonb,
    body         text,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (server_id, key),
    CONSTRAINT idempotency_keys_key_check CHECK (char_length(key) BETWEEN 1 AND 255),
    CONSTRAINT idempotency_keys_fingerprint_check CHECK (octet_length(fingerprint) = 32),
    CONSTRAINT idempotency_keys_answer_check CHECK ((status IS NULL) = (body IS NULL) AND (status IS NULL) = (headers IS NULL))
);

-- Expired keys are purged a few at a time by later claims.
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

-- migrate:down
DROP TABLE idempotency_keys;
