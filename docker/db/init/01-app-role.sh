# Sourced by the postgres image's entrypoint on the first start of an empty volume.
# The service connects as APP_DB_USER: it owns its database (and the test database
# that `docker compose exec api bun test` uses) but is no superuser. POSTGRES_USER
# stays the administrator (pgAdmin's login). psql's :"name" and :'value' quote them.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
  -v app_user="${APP_DB_USER:?}" -v app_password="${APP_DB_PASSWORD:?}" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER DATABASE :"db" OWNER TO :"app_user";
CREATE DATABASE registration_test OWNER :"app_user";
SQL
