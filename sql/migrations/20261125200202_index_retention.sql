-- migrate:up
-- For the background maintenance: never-activated users by age, activations by
-- the end of their lifetime, and by user (deleting a user cascades to them).
CREATE INDEX users_unactivated_time_created_idx ON users (time_created) WHERE NOT is_activated;
CREATE INDEX activations_expires_at_idx ON activations (expires_at);
CREATE INDEX activations_user_id_idx ON activations (user_id);

-- migrate:down
DROP INDEX activations_user_id_idx;
DROP INDEX activations_expires_at_idx;
DROP INDEX users_unactivated_time_created_idx;
