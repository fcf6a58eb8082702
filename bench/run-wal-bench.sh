#!/usr/bin/env bash
# run-wal-bench.sh [PGBENCH_SCALE] [SECONDS] [CLIENTS] [RUNS]
# pgbench TPS without and with llm-backup's WAL receiver (pg_receivewal --synchronous on a slot,
# supervised by WalReceiver, writing to this machine's disk), alternating, each run SECONDS long;
# prints each run, the medians and the ratio with/without (goal >= 0.95), and the receiver's lag
# under that load (pg_stat_replication.flush_lag sampled every 100 ms: median and 99th percentile
# seconds; and in bytes). The server is one of its own, set up as the sandbox's is (initdb's
# pg_hba.conf allows replication from 127.0.0.1, max_slot_wal_keep_size), on BENCH_PG_PORT
# (55439): no other job's server, password or slot is involved; it is removed afterwards.
# RECEIVER_DIR: where the receiver writes (default: beside the server, on the same disk); a tmpfs
# there tells the receiver's fsyncs apart from its CPU.
source "$(dirname "$0")/lib.sh"
SCALE=${1:-10}; SECONDS_PER_RUN=${2:-60}; CLIENTS=${3:-4}; RUNS=${4:-5}
need bc bc
CP=$(classpath)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PORT=${BENCH_PG_PORT:-55439}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/wal; rm -rf "$W"; mkdir -p "$W/pg" "$W/pglog"; chmod 755 "$W"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$W/pg" "$W/pglog"
SLOT=llm_backup_bench
R=${RECEIVER_DIR:-$W}/receiver-root
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$W/pg" -w -m fast stop >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$W" "$R"
}
trap cleanup EXIT
export PGPASSWORD=bench-wal-pw PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres
printf '%s\n' "$PGPASSWORD" >"$W/pwfile"; chmod 644 "$W/pwfile"
as_pg "$PGBIN/initdb" -D "$W/pg" -U postgres --pwfile="$W/pwfile" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
  --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$W/pg" -w -l "$W/pglog/server.log" \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$W/pg -c max_slot_wal_keep_size=4GB" start >/dev/null
"$PGBIN/createdb" bench_wal
"$PGBIN/pgbench" -i -q -s "$SCALE" bench_wal 2>/dev/null
tps() { "$PGBIN/pgbench" -n -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" bench_wal 2>/dev/null | awk '/^tps = / {print $3; exit}'; }
without() { "$PGBIN/psql" -d bench_wal -qc checkpoint; tps; }
with() {
  "$PGBIN/psql" -d bench_wal -qc checkpoint
  rm -rf "$R"; mkdir -p "$R"
  java -Xmx256m -cp "$CP" WalBench 127.0.0.1 "$PGPORT" postgres "$PGPASSWORD" "$PGBIN" "$R" "$SLOT" "$((SECONDS_PER_RUN + 2))" >"$W/receiver.out" 2>"$W/receiver.err" &
  local pid=$!
  for _ in $(seq 1200); do grep -q streaming "$W/receiver.out" 2>/dev/null && break; sleep 0.1; done
  grep -q streaming "$W/receiver.out" || { cat "$W/receiver.err" >&2; exit 1; }
  tps
  wait "$pid"
  tail -n 1 "$W/receiver.out" >"$W/lag.last"
  # each run streams from where the server is, not from what the runs without it wrote
  "$PGBIN/psql" -d postgres -qtAc "select pg_drop_replication_slot('$SLOT')" >/dev/null
}
: >"$W/with.txt"; : >"$W/without.txt"; : >"$W/lag.txt"
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then without >>"$W/without.txt"; with >>"$W/with.txt"; else with >>"$W/with.txt"; without >>"$W/without.txt"; fi
  cat "$W/lag.last" >>"$W/lag.txt"
  read -r samples p50 p99 b50 b99 ours <"$W/lag.last"
  echo "run $i: without $(tail -n1 "$W/without.txt") tps, with the receiver $(tail -n1 "$W/with.txt") tps; lag median ${p50} s, p99 ${p99} s (${b50} / ${b99} bytes, $samples samples)"
done
a=$(median <"$W/without.txt"); b=$(median <"$W/with.txt")
p50=$(awk '{print $2}' "$W/lag.txt" | median); p99=$(awk '{print $3}' "$W/lag.txt" | median)
printf 'pgbench scale %s, %s clients, %s s x %s runs: without %.1f tps, with the receiver %.1f tps, ratio %.3f; lag under load: median %.4f s, p99 %.4f s (medians over runs)\n' \
  "$SCALE" "$CLIENTS" "$SECONDS_PER_RUN" "$RUNS" "$a" "$b" "$(echo "$b / $a" | bc -l)" "$p50" "$p99"
