-- migrate:up
-- Set by a successful POST /sign-in; NULL until the user first signs in.
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;

-- migrate:down
ALTER TABLE users DROP COLUMN last_sign_in_at;
