#!/usr/bin/env bash
# install-prereqs.sh [run|sandbox|stack|test] - install what llm-backup needs on a fresh Debian
# machine. Idempotent and non-interactive; needs root (or sudo). Installs only what is missing
# and runs `apt-get update` only when something must be installed.
#   run:     JDK 17, Maven, PostgreSQL server and client (the sandbox database), busybox, restic,
#            node and npm (the build's npm ci of the admin page's diagram viewer)
#   sandbox: the same, plus a Docker engine (started with host networking only, see
#            scripts/docker-engine.sh) and Compose, for the web app's stand-in containers
#   stack:   the same, plus debootstrap (the locally made base images of scripts/stack.sh)
#   test:    all of it, plus Chromium and its driver (the admin page test) and openssh-server
#            (the offsite tests' sftp: repository)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
MODE=${1:-run}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])' || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
[ -x /bin/busybox ] || missing+=(busybox-static)
# restic: the offsite copy's engine (encrypted, deduplicating repository)
command -v restic >/dev/null 2>&1 || missing+=(restic)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# node and npm: the build fetches the admin page's BPMN viewer (frontend/package-lock.json) with npm ci
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "$MODE" != run ]; then
  # Compose: Debian 12 has no `docker compose` plugin package; its docker-compose 1.29 does
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
fi
if [ "$MODE" = stack ] || [ "$MODE" = test ]; then
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
fi
if [ "$MODE" = test ]; then
  # the admin page is tested in Debian's headless Chromium, driven through its chromedriver
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  # a Hangul font, so the Korean admin page's screenshots show letters, not boxes
  [ -d /usr/share/fonts/truetype/nanum ] || missing+=(fonts-nanum)
  # an sshd on 127.0.0.1 started by the offsite tests (restic's sftp: repositories)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  # keep package scripts from starting services (the Debian PostgreSQL cluster on 5432)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

if [ "$MODE" != run ]; then
  $SUDO bash "$(dirname "$0")/docker-engine.sh"
fi
