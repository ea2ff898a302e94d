-- A database of its own for `docker compose exec api bun test`, so the suite
-- never touches the service's data. Runs once, when the volume is first created.
CREATE DATABASE registration_test;
