#!/usr/bin/env bash
# base-image.sh [TAG] - the orchestrator image's base, made with no container registry:
# debootstrap builds a minimal Debian root (the distribution apt already uses, from the same
# mirror) with a Java 17 runtime and the PostgreSQL client tools of PG_MAJOR, and
# `docker import` turns it into an image. The Dockerfile builds FROM it (build argument BASE;
# elsewhere BASE=debian:bookworm-slim from a registry does the same). Built once per machine;
# about 3 minutes here. Needs root, debootstrap and a running engine.
set -euo pipefail
TAG=${1:-llm-backup/orchestrator-base:1}
DOCKER=/usr/bin/docker
if $DOCKER image inspect "$TAG" >/dev/null 2>&1; then echo "$TAG already present"; exit 0; fi
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap </dev/null
. /etc/os-release                                   # VERSION_CODENAME, e.g. bookworm
MIRROR=$(grep -h -m1 -oP '^URIs:\s*\K\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null \
  || grep -h -m1 -oP '^deb\s+\K\S+' /etc/apt/sources.list)
# the client tools of the server's major version: Debian's own PostgreSQL unless PG_MAJOR says otherwise
PG_MAJOR=${PG_MAJOR:-$(apt-cache depends postgresql 2>/dev/null | grep -m1 -oP 'Depends: postgresql-\K\d+')}
ROOT=$(mktemp -d /tmp/orchestrator-root.XXXXXX); chmod 755 "$ROOT"
trap 'rm -rf "$ROOT"' EXIT
debootstrap --variant=minbase --include="openjdk-17-jre-headless,postgresql-client-$PG_MAJOR,ca-certificates,restic,openssh-client" \
  "$VERSION_CODENAME" "$ROOT" "$MIRROR"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/{doc,man,info}
tar -C "$ROOT" -c . | $DOCKER import \
  -c 'ENV LANG=C.UTF-8' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "LABEL llm-backup.pg-major=$PG_MAJOR" \
  - "$TAG"
echo "$TAG built (Java 17, PostgreSQL $PG_MAJOR client)"
