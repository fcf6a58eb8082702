#!/bin/busybox sh
# The web app's frontend, stood in by busybox: a static page on LISTEN (127.0.0.1:3000).
set -u
LISTEN=${LISTEN:-127.0.0.1:3000}
/bin/busybox mkdir -p /tmp/frontend-www
echo '<!doctype html><title>LLM web app (stand-in)</title><p>frontend stand-in' > /tmp/frontend-www/index.html
echo "frontend: serving on $LISTEN"
exec /bin/busybox httpd -f -p "$LISTEN" -h /tmp/frontend-www
