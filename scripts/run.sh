#!/usr/bin/env bash
# run.sh - build and start the orchestrator on a fresh Debian machine.
# By default it runs against the sandbox (scripts/sandbox.sh: a local PostgreSQL with a
# sample llm_webapp database, sample uploads and the web app's backend and frontend as
# containers of a compose project), so backups and restores can be tried at once.
# Set LLM_BACKUP_SANDBOX=false and the BACKUP_* settings (docs/configuration.md) for the real web app.
# The engine's own database is an H2 file in data/ unless SPRING_DATASOURCE_URL is set.
# LLM_BACKUP_DATA_DIR moves data/ elsewhere; LLM_BACKUP_JAR runs that jar instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
sandbox=${LLM_BACKUP_SANDBOX:-true}
bash scripts/install-prereqs.sh "$([ "$sandbox" = true ] && echo sandbox || echo run)"
DATA_DIR=$(realpath -m "${LLM_BACKUP_DATA_DIR:-data}")
mkdir -p "$DATA_DIR" && chmod 700 "$DATA_DIR"
# the engine's H2 file goes there too (application.yaml reads LLM_BACKUP_DATA_DIR)
export LLM_BACKUP_DATA_DIR=$DATA_DIR

jar=${LLM_BACKUP_JAR:-$(ls target/llm-backup-*.jar 2>/dev/null | head -n 1 || true)}
if [ -z "${LLM_BACKUP_JAR:-}" ] && { [ -z "$jar" ] || [ -n "$(find pom.xml src/main bpmn dmn forms -newer "$jar" -type f 2>/dev/null | head -n 1)" ]; }; then
  echo "building the orchestrator (mvn package)..."
  mvn -B -q -DskipTests package
  jar=$(ls target/llm-backup-*.jar | head -n 1)
fi

if [ "$sandbox" = true ]; then
  eval "$(bash scripts/sandbox.sh up)"
  echo "sandbox: database llm_webapp on 127.0.0.1:$BACKUP_DATABASE_PORT, uploads $BACKUP_UPLOADS_DIR, backups $BACKUP_ROOT"
  echo "sandbox: web app stand-in $BACKUP_COMPOSE_PROJECT (backend, frontend), health $BACKUP_HEALTH_URL; stop it with scripts/sandbox.sh down"
fi

# the JVM reads file names in the locale's encoding (sun.jnu.encoding, not settable by -D):
# it must be UTF-8 for Korean names; llm-backup refuses to start otherwise
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  *.UTF-8 | *.utf8 | *.UTF8 | *.utf-8) ;;
  *) export LC_ALL=C.UTF-8 ;;
esac

port=${SERVER_PORT:-8080}
cat <<EOT

llm-backup starts on http://127.0.0.1:$port/
  Cockpit:  http://127.0.0.1:$port/camunda/app/cockpit/
  Tasklist: http://127.0.0.1:$port/camunda/app/tasklist/
  Backups:  http://127.0.0.1:$port/admin/index.html  (history, storage, RPO)
  REST:     http://127.0.0.1:$port/engine-rest/
  Login:    user '${CAMUNDA_BPM_ADMINUSER_ID:-admin}', password $(
  if [ -n "${CAMUNDA_BPM_ADMINUSER_PASSWORD:-}" ]; then echo "from CAMUNDA_BPM_ADMINUSER_PASSWORD";
  elif [ -f "$DATA_DIR/engine.mv.db" ]; then echo "as printed at the first start";
  else echo "generated and printed once below"; fi)

EOT
# the documented heap (docs/configuration.md, "Heap"): every step streams its file lists, 256 MB serve a
# million files; JAVA_OPTS comes after it, so an -Xmx there wins
exec java -Xmx256m ${JAVA_OPTS:-} -jar "$jar" "$@"
