#!/usr/bin/env bash
# stack.sh up|down|status - the web app's stack (docker-compose.yml: db, backend, frontend,
# llm-backup) from this repository on a fresh Debian machine, as root.
#   up:     installs what is missing (Docker engine with host networking, Compose,
#           debootstrap), builds the jar and the images once (no registry: every base is
#           made locally), makes .env from .env.example with random secrets on the first
#           run, prepares the databases and volumes, starts everything, prints the URLs and
#           the login
#   down:   stops and removes the containers; the volumes (database, uploads, backups,
#           logs) stay for the next `up`
#   status: the containers, the web app's health and the orchestrator's
# CAMUNDA_BPM_ADMINUSER_PASSWORD and SERVER_PORT (like every .env key) are taken from the
# environment when set there. LLM_BACKUP_STACK_ENV names another settings file than .env;
# LLM_BACKUP_JAR uses that jar instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
CMD=${1:-status}
ENV_FILE=$(realpath -m "${LLM_BACKUP_STACK_ENV:-.env}")
DOCKER=/usr/bin/docker

compose() {
  local c=(docker-compose)
  docker compose version >/dev/null 2>&1 && c=(docker compose)
  "${c[@]}" --env-file "$ENV_FILE" -p "$COMPOSE_PROJECT_NAME" -f docker-compose.yml "$@"
}

# .env's values, unless the environment sets them (Compose itself gives the environment precedence too)
load_env() {
  local k v
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
    k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
    [ -n "${!k+x}" ] || export "$k=$v"
  done < "$ENV_FILE"
}

secret() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

# .env from .env.example the first time; every secret (and DOCKER_GID) left empty is filled in
make_env() {
  if [ ! -f "$ENV_FILE" ]; then
    (umask 077; cp .env.example "$ENV_FILE")
    echo "stack: wrote $ENV_FILE from .env.example"
  fi
  chmod 600 "$ENV_FILE"
  local key value shown=""
  for key in DOCKER_GID POSTGRES_PASSWORD LLM_USER_PASSWORD ENGINE_DB_PASSWORD CAMUNDA_BPM_ADMINUSER_PASSWORD; do
    grep -q "^$key=$" "$ENV_FILE" || continue
    case $key in
      DOCKER_GID) value=$(stat -c %g /var/run/docker.sock) ;;
      CAMUNDA_BPM_ADMINUSER_PASSWORD) value=${CAMUNDA_BPM_ADMINUSER_PASSWORD:-$(secret)}
        [ -n "${CAMUNDA_BPM_ADMINUSER_PASSWORD:-}" ] || shown=$value ;;
      *) value=$(secret) ;;
    esac
    sed -i "s/^$key=$/$key=$value/" "$ENV_FILE"
  done
  [ -z "$shown" ] || echo "stack: admin password (shown once; it is in $ENV_FILE): $shown"
}

build() {
  bash scripts/install-prereqs.sh stack
  local jar=${LLM_BACKUP_JAR:-$(ls target/llm-backup-*.jar 2>/dev/null | head -n 1 || true)}
  if [ -z "${LLM_BACKUP_JAR:-}" ] && { [ -z "$jar" ] || [ -n "$(find pom.xml src/main bpmn dmn forms -newer "$jar" -type f 2>/dev/null | head -n 1)" ]; }; then
    echo "stack: building the orchestrator (mvn package)..."
    mvn -B -q -DskipTests package
    jar=$(ls target/llm-backup-*.jar | head -n 1)
  fi
  mkdir -p target && cmp -s "$jar" target/llm-backup.jar || cp "$jar" target/llm-backup.jar
  # images made on this machine, once: PostgreSQL (the tests' image is the same recipe), stand-ins, the base
  if ! $DOCKER image inspect llm-backup/postgres:15 >/dev/null 2>&1; then
    if $DOCKER image inspect llm-backup-test/postgres:15 >/dev/null 2>&1; then
      $DOCKER tag llm-backup-test/postgres:15 llm-backup/postgres:15
    else
      bash scripts/postgres-image.sh llm-backup/postgres:15
    fi
  fi
  bash scripts/standin-image.sh
  case "$LLM_BACKUP_BASE_IMAGE" in
    llm-backup/orchestrator-base:*) PG_MAJOR=$PG_MAJOR bash scripts/base-image.sh "$LLM_BACKUP_BASE_IMAGE" ;;
  esac
  compose build llm-backup
}

# the superuser's password, the web app's role and database (with sample data the first
# time), the engine's role and database; statements on stdin: no secret on a command line
prepare_db() {
  local db
  db=$(compose ps -q db)
  for _ in $(seq 60); do
    $DOCKER exec "$db" pg_isready -q -p "$DB_PORT" && break
    sleep 1
  done
  $DOCKER exec "$db" pg_isready -q -p "$DB_PORT" || { echo "stack: db did not start; its log:" >&2; $DOCKER logs --tail 20 "$db" >&2; exit 1; }
  $DOCKER exec -i "$db" psql -q -X -v ON_ERROR_STOP=1 -p "$DB_PORT" -d postgres >/dev/null <<SQL
alter user postgres password '$POSTGRES_PASSWORD';
select 'create role llm_user login' where not exists (select from pg_roles where rolname = 'llm_user') \gexec
alter role llm_user password '$LLM_USER_PASSWORD';
select 'create role llm_backup login' where not exists (select from pg_roles where rolname = 'llm_backup') \gexec
alter role llm_backup password '$ENGINE_DB_PASSWORD';
select 'create database llm_backup_engine owner llm_backup' where not exists (select from pg_database where datname = 'llm_backup_engine') \gexec
SQL
  if ! $DOCKER exec "$db" psql -X -tA -p "$DB_PORT" -d postgres -c "select 1 from pg_database where datname = 'llm_webapp'" | grep -q 1; then
    echo "stack: creating the sample llm_webapp database"
    $DOCKER exec "$db" psql -q -X -v ON_ERROR_STOP=1 -p "$DB_PORT" -d postgres -c "create database llm_webapp owner llm_user"
    $DOCKER exec -i "$db" psql -q -X -v ON_ERROR_STOP=1 -p "$DB_PORT" -d llm_webapp >/dev/null < docker/sample-webapp.sql
  fi
}

# the volumes belong to the orchestrator's user; sample uploads the first time
prepare_volumes() {
  compose run --rm -T --no-deps --user 0 --entrypoint /bin/bash -e SAMPLE="$(cat docker/sample-uploads.sh)" llm-backup -c '
    set -e
    chown llm-backup:llm-backup /backup /uploads /var/log/llm-backup
    chmod 700 /backup
    if [ -z "$(ls -A /uploads)" ]; then
      echo "stack: creating sample uploads in the uploads volume"
      runuser -u llm-backup -- sh -c "$SAMPLE" sample-uploads /uploads
    fi'
}

# host networking: a port another program holds would leave a service down and its clients
# talking to a stranger (e.g. the sandbox's backend on 8000)
check_ports() {
  local svc_port svc p running
  for svc_port in db:$DB_PORT backend:$BACKEND_PORT frontend:$FRONTEND_PORT llm-backup:$SERVER_PORT; do
    svc=${svc_port%%:*} p=${svc_port#*:}
    running=$(compose ps -q "$svc" 2>/dev/null | xargs -r $DOCKER inspect -f '{{.State.Running}}' 2>/dev/null || true)
    if [ "$running" != true ] && (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "stack: port 127.0.0.1:$p (service $svc) is taken by another program: free it or change it in $ENV_FILE" >&2
      exit 1
    fi
  done
}

print_urls() {
  local port=$SERVER_PORT
  cat <<EOT

llm-backup runs on http://127.0.0.1:$port/ (compose project $COMPOSE_PROJECT_NAME)
  Cockpit:  http://127.0.0.1:$port/camunda/app/cockpit/
  Tasklist: http://127.0.0.1:$port/camunda/app/tasklist/
  Backups:  http://127.0.0.1:$port/admin/index.html
  REST:     http://127.0.0.1:$port/engine-rest/
  Login:    user '$CAMUNDA_BPM_ADMINUSER_ID', password CAMUNDA_BPM_ADMINUSER_PASSWORD in $ENV_FILE
  Web app:  backend http://127.0.0.1:$BACKEND_PORT/api/v1/health, frontend http://127.0.0.1:$FRONTEND_PORT/
EOT
}

case "$CMD" in
  up)
    [ -S /var/run/docker.sock ] || bash scripts/docker-engine.sh
    make_env
    load_env
    build
    check_ports
    compose up -d db
    prepare_db
    prepare_volumes
    compose up -d
    echo "stack: waiting for llm-backup to answer on 127.0.0.1:$SERVER_PORT ..."
    # any answer will do: the health is DOWN (503) until the first backup exists
    answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT/actuator/health")" != 000 ]; }
    for _ in $(seq 180); do
      answers && break
      sleep 1
    done
    if ! answers; then
      echo "stack: llm-backup does not answer; its log:" >&2
      compose logs --tail 30 llm-backup >&2
      exit 1
    fi
    print_urls
    ;;
  down)
    load_env
    compose down
    echo "stack: stopped; volumes kept (docker volume ls --filter name=${COMPOSE_PROJECT_NAME}_)"
    ;;
  status)
    [ -f "$ENV_FILE" ] || { echo "stack: no $ENV_FILE: not set up (scripts/stack.sh up)"; exit 1; }
    load_env
    compose ps
    probe() { curl -s --max-time 5 -w '\n(HTTP %{http_code})' "$1" | paste -sd ' '; }
    echo "backend health:  $(probe "http://127.0.0.1:$BACKEND_PORT/api/v1/health")"
    echo "llm-backup:      $(probe "http://127.0.0.1:$SERVER_PORT/actuator/health")  (DOWN until a first backup exists)"
    ;;
  *)
    echo "usage: scripts/stack.sh up|down|status" >&2
    exit 2
    ;;
esac
