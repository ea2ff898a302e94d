-- One row. $1 server id, $2 email (any case). Serializes the requests for one
-- (server, email) until the transaction ends, whether a user has that email or not,
-- so two requests at once cannot both find no live code and both insert one.
SELECT pg_advisory_xact_lock(hashtextextended('password_reset:' || $1::text || ':' || lower($2), 0)) IS NULL AS locked
