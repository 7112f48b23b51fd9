#!/usr/bin/env bash
# The portal's two PostgreSQL roles and its database (README, "Database roles"). Run as a
# PostgreSQL superuser; idempotent, so it also brings an existing single-role database over.
#
#   PORTAL_DB_NAME            database                      (default partnerskab)
#   PORTAL_DB_OWNER           owner role: migrations only   (default <name>_owner)
#   PORTAL_DB_OWNER_PASSWORD  its password                  (required)
#   PORTAL_DB_APP             application role: web, worker (default <name>_app)
#   PORTAL_DB_APP_PASSWORD    its password                  (required)
#   PORTAL_DB_OWNER_CREATEDB  1: the owner may create databases (CI: the test database)
#
# The connection comes from psql's PGHOST, PGPORT, PGUSER, PGPASSWORD; in the postgres
# image's /docker-entrypoint-initdb.d the user defaults to POSTGRES_USER.
set -euo pipefail

name="${PORTAL_DB_NAME:-partnerskab}"
owner="${PORTAL_DB_OWNER:-${name}_owner}"
app="${PORTAL_DB_APP:-${name}_app}"
: "${PORTAL_DB_OWNER_PASSWORD:?set PORTAL_DB_OWNER_PASSWORD}"
: "${PORTAL_DB_APP_PASSWORD:?set PORTAL_DB_APP_PASSWORD}"
if [ "${PORTAL_DB_OWNER_CREATEDB:-0}" = "1" ]; then createdb=CREATEDB; else createdb=NOCREATEDB; fi
export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"

psql -X -q -v ON_ERROR_STOP=1 -d postgres \
  -v db="$name" -v owner="$owner" -v app="$app" -v createdb="$createdb" \
  -v owner_password="$PORTAL_DB_OWNER_PASSWORD" -v app_password="$PORTAL_DB_APP_PASSWORD" <<'SQL'
-- The roles: log in, nothing more. Only the owner may create databases, and only when asked.
SELECT format('CREATE ROLE %I', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS %s PASSWORD %L',
              :'owner', :'createdb', :'owner_password') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS NOCREATEDB PASSWORD %L',
              :'app', :'app_password') \gexec
-- The application role must not hold the owner's rights through a membership.
SELECT format('REVOKE %I FROM %I', :'owner', :'app')
  FROM pg_auth_members m
 WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = :'owner')
   AND m.member = (SELECT oid FROM pg_roles WHERE rolname = :'app') \gexec

-- The database, owned by the owner role.
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner') \gexec

\connect :db
-- Schema public: PostgreSQL 15 gives it to the database owner and lets nobody else create
-- in it; before 15 it belongs to the superuser and everyone may create.
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner')
  FROM pg_namespace WHERE nspname = 'public' AND nspowner::regrole::text <> 'pg_database_owner' \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
-- Tables, sequences and functions made before by another role (a single-role install)
-- go to the owner, except those of extensions. A table's identity sequence follows its table.
SELECT format('ALTER TABLE %s OWNER TO %I', c.oid::regclass, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER SEQUENCE %s OWNER TO %I', c.oid::regclass, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind = 'S'
   AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec
-- The application role's rights on what exists now; `manage.py migrate` grants them again
-- (and sets the default privileges) every time it runs as the owner.
SELECT format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', :'app') \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', :'app') \gexec
SQL
echo "PostgreSQL roles ready: database $name, owner $owner, application $app"
