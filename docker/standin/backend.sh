#!/bin/busybox sh
# The web app's backend, stood in by busybox: /api/v1/health answers 200 only while the
# uploads folder can be read and a PostgreSQL server answers at DB_HOST:DB_PORT, else 404
# with the reason as JSON; each change of state is a line in the container's log (the
# restore shows its tail to the operator). busybox httpd cannot compute an answer per
# request outside /cgi-bin, so a loop re-checks every CHECK_INTERVAL seconds and swaps a
# static file. Settings (environment): LISTEN (127.0.0.1:8000), UPLOADS (/uploads),
# DB_HOST (127.0.0.1), DB_PORT (5432), CHECK_INTERVAL (1).
set -u
bb=/bin/busybox
LISTEN=${LISTEN:-127.0.0.1:8000} UPLOADS=${UPLOADS:-/uploads}
DB_HOST=${DB_HOST:-127.0.0.1} DB_PORT=${DB_PORT:-5432} CHECK_INTERVAL=${CHECK_INTERVAL:-1}
www=/tmp/backend-www
$bb mkdir -p "$www/api/v1"
$bb rm -f "$www/api/v1/health"
echo "E404:$www/unhealthy.json" > /tmp/backend-httpd.conf

# the reasons the backend cannot serve, empty when it can
problems() {
  if [ ! -d "$UPLOADS" ]; then
    echo "uploads folder $UPLOADS is missing"
  elif ! $bb ls "$UPLOADS" >/dev/null 2>&1; then
    echo "uploads folder $UPLOADS cannot be read by uid $($bb id -u)"
  fi
  # PostgreSQL's SSLRequest (length 8, code 80877103): a server answers N or S, anything else does not
  reply=$($bb printf '\000\000\000\010\004\322\026\057' \
    | $bb timeout 3 $bb nc -w 2 "$DB_HOST" "$DB_PORT" 2>/dev/null | $bb head -c 1)
  case "$reply" in
    N | S) ;;
    *) echo "database $DB_HOST:$DB_PORT does not answer as a PostgreSQL server" ;;
  esac
}

state=""
check() {
  p=$(problems | $bb paste -s -d ';' | $bb sed 's/;/; /g')
  if [ -z "$p" ]; then
    echo '{"status":"ok"}' > "$www/api/v1/health.tmp" && $bb mv "$www/api/v1/health.tmp" "$www/api/v1/health"
    [ "$state" = ok ] || echo "backend: ready (uploads $UPLOADS readable, database $DB_HOST:$DB_PORT answers)"
    state=ok
  else
    $bb printf '{"status":"error","reason":"%s"}\n' "$p" > "$www/unhealthy.json.tmp" \
      && $bb mv "$www/unhealthy.json.tmp" "$www/unhealthy.json"
    $bb rm -f "$www/api/v1/health"
    [ "$state" = "$p" ] || echo "backend: ERROR $p: /api/v1/health fails"
    state=$p
  fi
}

echo "backend: starting on $LISTEN"
check
( while :; do $bb sleep "$CHECK_INTERVAL"; check; done ) &
exec $bb httpd -f -p "$LISTEN" -h "$www" -c /tmp/backend-httpd.conf
