#!/usr/bin/env bash
# standin-image.sh [TAG] - the image of the web app's stand-ins (backend, frontend; see
# docker/standin/), made with no container registry: the host's static busybox and the two
# scripts are imported as a root folder (`docker import`). Built once per machine; built
# again only when the scripts or busybox changed (their hash is the image's label).
# Needs a running engine (scripts/docker-engine.sh) and busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-llm-backup/standin:1}
DOCKER=/usr/bin/docker
hash=$(cat /bin/busybox docker/standin/backend.sh docker/standin/frontend.sh | sha256sum | cut -c1-16)
if [ "$($DOCKER image inspect -f '{{index .Config.Labels "llm-backup.standin.hash"}}' "$TAG" 2>/dev/null || true)" = "$hash" ]; then
  echo "$TAG already present"
  exit 0
fi
ROOT=$(mktemp -d /tmp/standin-root.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/standin" "$ROOT/tmp"
chmod 755 "$ROOT"; chmod 1777 "$ROOT/tmp"
cp /bin/busybox "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/sh"
install -m 755 docker/standin/backend.sh docker/standin/frontend.sh "$ROOT/standin/"
tar -C "$ROOT" --numeric-owner --owner=0 --group=0 -c . | $DOCKER import \
  -c "LABEL llm-backup.standin.hash=$hash" \
  -c 'ENV PATH=/bin' \
  -c 'USER 65534:65534' \
  - "$TAG" >/dev/null
echo "$TAG built"
