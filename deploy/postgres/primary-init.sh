#!/bin/bash
# Runs once, when the primary's data folder is first initialised (the official
# postgres image runs /docker-entrypoint-initdb.d/*.sh as the postgres user).
# Creates the role the streaming replica connects as and lets it in.
set -euo pipefail
: "${REPLICATION_USER:?REPLICATION_USER must be set}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=repl_user="$REPLICATION_USER" --set=repl_password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE :"repl_user" WITH REPLICATION LOGIN PASSWORD :'repl_password';
SQL

# Replication connections are not covered by the image's "host all all" rule.
echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
