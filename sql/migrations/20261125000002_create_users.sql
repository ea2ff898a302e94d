-- migrate:up
CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    server_id     uuid        NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    first_name    text,
    last_name     text,
    birth_date    date,
    is_activated  boolean     NOT NULL DEFAULT false,
    activated_at  timestamptz,
    time_created  timestamptz NOT NULL,
    time_updated  timestamptz NOT NULL,
    CONSTRAINT users_email_check CHECK (char_length(email) BETWEEN 3 AND 254),
    CONSTRAINT users_password_hash_check CHECK (password_hash LIKE '$argon2id$%'),
    CONSTRAINT users_first_name_check CHECK (char_length(first_name) <= 100),
    CONSTRAINT users_last_name_check CHECK (char_length(last_name) <= 100),
    CONSTRAINT users_activation_check CHECK (is_activated = (activated_at IS NOT NULL))
);

-- Emails compare case-insensitively: Ann@X.io and ann@x.io are one user of a server.
CREATE UNIQUE INDEX users_server_email_key ON users (server_id, lower(email));

-- migrate:down
DROP TABLE users;
