#!/bin/sh
# Creates the role the tracker connects as, and its database.
#
# The postgis/postgis image runs the scripts in /docker-entrypoint-initdb.d once,
# on the first start with an empty data volume, as the superuser and after its
# own 10_postgis.sh. This one creates:
#   - the role APP_DB_USER (LOGIN, not a superuser, cannot create databases or roles);
#   - the database APP_DB_NAME, owned by that role, so the role owns its schema and
#     runs the migrations itself;
#   - the postgis extension in it, which only a superuser may create.
# After this nothing connects as the superuser: migrate, web, worker and beat all
# connect as APP_DB_USER.
#
# No `set -u` and no `exit`: the image sources a script that is not executable.
set -e

: "${APP_DB_USER:?set APP_DB_USER, the role the app connects as}"
: "${APP_DB_PASSWORD:?set APP_DB_PASSWORD, the password of APP_DB_USER}"
APP_DB_NAME=${APP_DB_NAME:-infra_tracker}
SUPERUSER=${POSTGRES_USER:-postgres}
if [ "$APP_DB_USER" = "$SUPERUSER" ]; then
    echo "APP_DB_USER must not be the superuser ($SUPERUSER): choose another name." >&2
    false
fi

echo "Creating the role $APP_DB_USER and the database $APP_DB_NAME it owns, with PostGIS"
psql --no-psqlrc --set ON_ERROR_STOP=1 --username "$SUPERUSER" --dbname "${POSTGRES_DB:-$SUPERUSER}" \
    --set app_user="$APP_DB_USER" --set app_password="$APP_DB_PASSWORD" \
    --set app_db="$APP_DB_NAME" <<'SQL'
CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
-- Any role may connect to a new database; only its owner needs to.
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
\connect :"app_db"
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
