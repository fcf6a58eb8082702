#!/usr/bin/env bash
# sandbox.sh [up|down] - a stand-in for the web app, so the orchestrator has something real
# to back up and restore on a machine without the web app: a PostgreSQL server on
# 127.0.0.1:55432 (cluster under /var/lib/llm-backup-sandbox, run as the postgres user)
# holding a sample llm_webapp database with role llm_user, a sample uploads folder under
# data/, and the web app's services as real containers of compose project
# llm-backup-sandbox (docker/sandbox-compose.yml): `backend` answering
# http://127.0.0.1:8000/api/v1/health only while it can read the uploads and the database
# answers, and `frontend` on 127.0.0.1:3000 (image: scripts/standin-image.sh, host network).
# The server allows replication from 127.0.0.1 (initdb's pg_hba.conf), so the orchestrator's WAL
# receiver streams out of the box; max_slot_wal_keep_size bounds what its slot may keep (docs/wal.md).
# up (default): idempotent, reuses what exists, starts what is stopped; prints the BACKUP_*
# settings that point the orchestrator at it (eval-able). down: removes the containers and
# stops the server; the data stay.
# Overridable: LLM_BACKUP_DATA_DIR (data/), SANDBOX_PG_PORT, SANDBOX_PG_DIR, SANDBOX_PROJECT,
# SANDBOX_BACKEND_PORT, SANDBOX_FRONTEND_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SANDBOX_PG_PORT:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA_DIR=$(realpath -m "${LLM_BACKUP_DATA_DIR:-data}")
PROJECT=${SANDBOX_PROJECT:-llm-backup-sandbox}
BACKEND_PORT=${SANDBOX_BACKEND_PORT:-8000}
FRONTEND_PORT=${SANDBOX_FRONTEND_PORT:-3000}
UPLOADS="$DATA_DIR/sandbox/uploads"
PGROOT=${SANDBOX_PG_DIR:-/var/lib/llm-backup-sandbox}
PGDATA="$PGROOT/pg"
PWFILE="$DATA_DIR/sandbox-db-password"
mkdir -p "$DATA_DIR" && chmod 700 "$DATA_DIR"

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# `docker compose` (v2 plugin) where installed, else Debian's docker-compose 1.29 (Debian 12 has no plugin)
compose() {
  local c=(docker-compose)
  docker compose version >/dev/null 2>&1 && c=(docker compose)
  SANDBOX_UPLOADS="$UPLOADS" SANDBOX_PG_PORT="$PORT" SANDBOX_BACKEND_PORT="$BACKEND_PORT" \
    SANDBOX_FRONTEND_PORT="$FRONTEND_PORT" "${c[@]}" -p "$PROJECT" -f docker/sandbox-compose.yml "$@"
}

if [ "${1:-up}" = down ]; then
  compose down >&2 || true
  if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -m fast stop >&2
  fi
  echo "sandbox stopped (data kept in $DATA_DIR and $PGROOT)" >&2
  exit 0
fi

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
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PGROOT -c max_slot_wal_keep_size=4GB" start >/dev/null
fi

psql_pg() { as_pg "$PGBIN/psql" -h "$PGROOT" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
if ! psql_pg -d postgres -tAc "select 1 from pg_database where datname = 'llm_webapp'" | grep -q 1; then
  echo "sandbox: creating the sample llm_webapp database" >&2
  psql_pg -d postgres -c "create role llm_user login password '$PASSWORD'" 2>/dev/null || true
  psql_pg -d postgres -c "create database llm_webapp owner llm_user"
  psql_pg -d llm_webapp < docker/sample-webapp.sql
fi

if [ ! -d "$UPLOADS" ]; then
  echo "sandbox: creating sample uploads in $UPLOADS" >&2
  bash docker/sample-uploads.sh "$UPLOADS"
fi
mkdir -p "$DATA_DIR/backup" && chmod 700 "$DATA_DIR/backup"

# the web app's services: built once per machine, created by Compose (its labels), started if stopped
bash scripts/standin-image.sh >&2
echo "sandbox: web app stand-in (compose project $PROJECT): backend 127.0.0.1:$BACKEND_PORT, frontend 127.0.0.1:$FRONTEND_PORT" >&2
# a port taken by something else would leave the stand-in down and the health URL asking a stranger
for svc_port in backend:$BACKEND_PORT frontend:$FRONTEND_PORT; do
  svc=${svc_port%%:*} p=${svc_port#*:}
  running=$(compose ps -q "$svc" 2>/dev/null | xargs -r docker inspect -f '{{.State.Running}}' 2>/dev/null || true)
  if [ "$running" != true ] && (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "sandbox: port 127.0.0.1:$p (the $svc stand-in's) is taken by another program: free it or set SANDBOX_${svc^^}_PORT" >&2
    exit 1
  fi
done
compose up -d >&2
backend=$(compose ps -q backend)
for _ in $(seq 40); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$backend" 2>/dev/null)" = healthy ] && break
  sleep 0.5
done
if [ "$(docker inspect -f '{{.State.Health.Status}}' "$backend" 2>/dev/null)" != healthy ]; then
  echo "sandbox: WARNING the backend stand-in is not healthy yet; its log:" >&2
  docker logs --tail 5 "$backend" >&2 2>&1 || true
fi

cat <<EOT
export BACKUP_DATABASE_HOST=127.0.0.1 BACKUP_DATABASE_PORT=$PORT BACKUP_DATABASE_NAME=llm_webapp
export BACKUP_DATABASE_USER=postgres BACKUP_DATABASE_PASSWORD=$PASSWORD
export BACKUP_UPLOADS_DIR=$UPLOADS BACKUP_ROOT=$DATA_DIR/backup BACKUP_LOG_FILE=$DATA_DIR/llm-backup.log
export BACKUP_COMPOSE_PROJECT=$PROJECT BACKUP_COMPOSE_SERVICES=backend,frontend
export BACKUP_HEALTH_URL=http://127.0.0.1:$BACKEND_PORT/api/v1/health
EOT
