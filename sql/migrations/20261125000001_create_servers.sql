-- migrate:up
CREATE TABLE servers (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text        NOT NULL,
    -- SHA-256 of the API key: keys are 256 random bits, so a fast hash is
    -- enough and keeps the per-request lookup cheap (argon2 is for passwords).
    api_key_hash bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT servers_name_key UNIQUE (name),
    CONSTRAINT servers_api_key_hash_key UNIQUE (api_key_hash),
    CONSTRAINT servers_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT servers_api_key_hash_check CHECK (octet_length(api_key_hash) = 32)
);

-- migrate:down
DROP TABLE servers;
