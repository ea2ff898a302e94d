-- migrate:up
-- GET /users/ lists a server's users newest first, paged by (time_created, id):
-- each page is one index range read, stopped after the page, at any depth.
CREATE INDEX users_server_created_idx ON users (server_id, time_created DESC, id DESC);

-- The same order within ?activated=true|false, so a rare state is not found by
-- walking past every user in the other one.
CREATE INDEX users_server_activated_created_idx ON users (server_id, is_activated, time_created DESC, id DESC);

-- ?email_prefix= as a byte-wise range on the lower-cased email (the "C" collation
-- orders by bytes, so "starts with" is exactly a range, whatever the database's collation).
CREATE INDEX users_server_email_prefix_idx ON users (server_id, (lower(email) COLLATE "C"));

-- migrate:down
DROP INDEX users_server_email_prefix_idx;
DROP INDEX users_server_activated_created_idx;
DROP INDEX users_server_created_idx;
