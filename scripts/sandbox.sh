#!/usr/bin/env bash
# sandbox.sh - a stand-in for the web app's state, so the orchestrator has something real
# to back up on a machine without the web app: a PostgreSQL server on 127.0.0.1:55432
# (cluster under /var/lib/llm-backup-sandbox, run as the postgres user) holding a sample
# llm_webapp database with role llm_user, and a sample uploads folder under data/.
# Idempotent: reuses what exists, starts the server if it is stopped.
# Prints the BACKUP_* settings that point the orchestrator at it (eval-able).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SANDBOX_PG_PORT:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA_DIR=$(pwd)/data
PGROOT=${SANDBOX_PG_DIR:-/var/lib/llm-backup-sandbox}
PGDATA="$PGROOT/pg"
PWFILE="$DATA_DIR/sandbox-db-password"
mkdir -p "$DATA_DIR" && chmod 700 "$DATA_DIR"

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ ! -s "$PWFILE" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$PWFILE")
fi
PASSWORD=$(cat "$PWFILE")

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  echo "sandbox: creating a PostgreSQL cluster in $PGDATA" >&2
  mkdir -p "$PGROOT"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGROOT"
  tmp=$(mktemp); printf '%s\n' "$PASSWORD" > "$tmp"; chmod 644 "$tmp"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --pwfile="$tmp" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$tmp"
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  echo "sandbox: starting PostgreSQL on 127.0.0.1:$PORT" >&2
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -l "$PGROOT/server.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PGROOT" start >/dev/null
fi

psql_pg() { as_pg "$PGBIN/psql" -h "$PGROOT" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
if ! psql_pg -d postgres -tAc "select 1 from pg_database where datname = 'llm_webapp'" | grep -q 1; then
  echo "sandbox: creating the sample llm_webapp database" >&2
  psql_pg -d postgres -c "create role llm_user login password '$PASSWORD'" 2>/dev/null || true
  psql_pg -d postgres -c "create database llm_webapp owner llm_user"
  psql_pg -d llm_webapp <<'SQL'
set role llm_user;
create table users (id serial primary key, email text unique not null, created_at timestamptz default now());
create table documents (id serial primary key, user_id int references users, file_name text not null,
                        size_bytes bigint, uploaded_at timestamptz default now());
create table chat_messages (id bigserial primary key, user_id int references users, role text, content text,
                            created_at timestamptz default now());
insert into users (email) select 'user' || g || '@example.org' from generate_series(1, 20) g;
insert into documents (user_id, file_name, size_bytes)
  select 1 + g % 20, 'doc_' || g || '.pdf', 1000 + g * 37 from generate_series(1, 200) g;
insert into chat_messages (user_id, role, content)
  select 1 + g % 20, case when g % 2 = 0 then 'user' else 'assistant' end, repeat('message ' || g || ' ', 5)
  from generate_series(1, 5000) g;
SQL
fi

UPLOADS="$DATA_DIR/sandbox/uploads"
if [ ! -d "$UPLOADS" ]; then
  echo "sandbox: creating sample uploads in $UPLOADS" >&2
  for u in 1 2 3; do
    mkdir -p "$UPLOADS/user$u"
    for f in 1 2 3 4; do head -c $((4096 * f * u)) /dev/urandom > "$UPLOADS/user$u/report_$f.pdf"; done
  done
  printf '회의록 (meeting notes)\n' > "$UPLOADS/user1/회의록 2025.txt"
  mkdir -p "$UPLOADS/empty-folder"
fi
mkdir -p "$DATA_DIR/backup" && chmod 700 "$DATA_DIR/backup"

cat <<EOT
export BACKUP_DATABASE_HOST=127.0.0.1 BACKUP_DATABASE_PORT=$PORT BACKUP_DATABASE_NAME=llm_webapp
export BACKUP_DATABASE_USER=postgres BACKUP_DATABASE_PASSWORD=$PASSWORD
export BACKUP_UPLOADS_DIR=$UPLOADS BACKUP_ROOT=$DATA_DIR/backup BACKUP_LOG_FILE=$DATA_DIR/llm-backup.log
EOT
