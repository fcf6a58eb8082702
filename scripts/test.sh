#!/usr/bin/env bash
# test.sh - the whole test suite, on a fresh Debian machine: installs PostgreSQL (server
# and client), a Docker engine, Compose, debootstrap and busybox, then runs every unit,
# process and jar test (the jar tests include scripts/run.sh's sandbox and scripts/stack.sh).
# The tests start their own PostgreSQL server and containers; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh test
# the restore tests' `db` container: a PostgreSQL image made locally (debootstrap), built once
bash scripts/postgres-image.sh llm-backup-test/postgres:15
# Testcontainers reads these from the environment only
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
# file names are read in the locale's encoding: UTF-8 (the surefire/failsafe JVMs get it from pom.xml too)
export LC_ALL=C.UTF-8
exec mvn -B verify "$@"
