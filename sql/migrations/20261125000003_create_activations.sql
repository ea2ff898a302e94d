-- migrate:up
-- One row per activation email: its 4-digit code and the hash of its link token.
CREATE TABLE activations (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Kept in clear: a 4-digit code has 10,000 values, so a hash would not hide
    -- it; the attempt limit below is what protects it.
    code          char(4)     NOT NULL,
    token_hash    bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    -- Set when Mailjet (or the log mailer) accepted the email; NULL while pending.
    sent_at       timestamptz,
    expires_at    timestamptz NOT NULL,
    wrong_attempts integer    NOT NULL DEFAULT 0,
    used_at       timestamptz,
    superseded_at timestamptz,
    CONSTRAINT activations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT activations_code_check CHECK (code ~ '^[0-9]{4}$'),
    CONSTRAINT activations_token_hash_check CHECK (octet_length(token_hash) = 32),
    CONSTRAINT activations_wrong_attempts_check CHECK (wrong_attempts >= 0),
    CONSTRAINT activations_expiry_check CHECK (expires_at > created_at)
);

-- A user has at most one live activation: a resend supersedes the previous one.
CREATE UNIQUE INDEX activations_live_user_key ON activations (user_id) WHERE superseded_at IS NULL;

-- migrate:down
DROP TABLE activations;
