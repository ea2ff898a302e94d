-- migrate:up
-- Codes are kept as HMAC-SHA256 under SECRET_KEY, which the database never
-- sees: a dump no longer shows any live code. Codes stored in clear until now
-- cannot be keyed here, so they stop working (their links still do; a resend
-- gives a new code).
ALTER TABLE activations ADD COLUMN code_hmac bytea;
UPDATE activations SET code_hmac = sha256(convert_to(gen_random_uuid()::text, 'UTF8'));
ALTER TABLE activations
    ALTER COLUMN code_hmac SET NOT NULL,
    ADD CONSTRAINT activations_code_hmac_check CHECK (octet_length(code_hmac) = 32),
    DROP COLUMN code;

-- migrate:down
-- The codes cannot be recovered from their HMACs: every code is replaced by a
-- random one nobody knows (links keep working).
ALTER TABLE activations ADD COLUMN code char(4);
UPDATE activations SET code = lpad(floor(random() * 10000)::int::text, 4, '0');
ALTER TABLE activations
    ALTER COLUMN code SET NOT NULL,
    ADD CONSTRAINT activations_code_check CHECK (code ~ '^[0-9]{4}$'),
    DROP COLUMN code_hmac;
