-- migrate:up
-- One row per password-reset request: the HMAC of its 6-digit code, never the code.
-- Keyed by (server, lower-cased email) rather than by user: a request for an email
-- no user has writes a row too (user_id NULL, never emailed, never matching), so
-- that such an email answers the request and every confirm exactly as a real one.
CREATE TABLE password_resets (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    server_id      uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    email          text        NOT NULL,
    user_id        uuid        REFERENCES users (id) ON DELETE CASCADE,
    code_hmac      bytea       NOT NULL,
    created_at     timestamptz NOT NULL,
    -- Set when Mailjet accepted the email: only then can the code match.
    sent_at        timestamptz,
    expires_at     timestamptz NOT NULL,
    wrong_attempts integer     NOT NULL DEFAULT 0,
    used_at        timestamptz,
    superseded_at  timestamptz,
    CONSTRAINT password_resets_email_check CHECK (email = lower(email)),
    CONSTRAINT password_resets_code_hmac_check CHECK (octet_length(code_hmac) = 32),
    CONSTRAINT password_resets_wrong_attempts_check CHECK (wrong_attempts >= 0),
    CONSTRAINT password_resets_expiry_check CHECK (expires_at > created_at)
);

-- At most one live code per (server, email): a new request supersedes the previous one.
CREATE UNIQUE INDEX password_resets_live_key ON password_resets (server_id, email) WHERE superseded_at IS NULL;
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);

-- A reset email points at its code as an activation email points at its activation.
ALTER TABLE emails ADD COLUMN password_reset_id uuid REFERENCES password_resets (id) ON DELETE SET NULL;
CREATE INDEX emails_password_reset_idx ON emails (password_reset_id);

-- migrate:down
ALTER TABLE emails DROP COLUMN password_reset_id;
DROP TABLE password_resets;
