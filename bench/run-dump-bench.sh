#!/usr/bin/env bash
# run-dump-bench.sh [PGBENCH_SCALE] [RUNS]
# llm-backup's dump step (pg_dump -Fc -f in an exported snapshot, plus row counts and SHA-256)
# against a plain `pg_dump -Fc -f` of the same database, alternating; prints medians and the
# ratio (goal <= 1.05). Uses the sandbox server (scripts/sandbox.sh) and a pgbench database.
source "$(dirname "$0")/lib.sh"
SCALE=${1:-30}; RUNS=${2:-3}
need bc bc
eval "$(bash scripts/sandbox.sh)"
CP=$(classpath)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
export PGPASSWORD=$BACKUP_DATABASE_PASSWORD PGHOST=127.0.0.1 PGPORT=$BACKUP_DATABASE_PORT PGUSER=postgres
if ! "$PGBIN/psql" -d postgres -tAc "select 1 from pg_database where datname = 'bench_dump'" | grep -q 1; then
  "$PGBIN/createdb" bench_dump
  "$PGBIN/pgbench" -i -q -s "$SCALE" bench_dump
fi
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/dump; mkdir -p "$W"
ours() {
  rm -f "$W/ours.dump"; sync
  java -cp "$CP" DumpBench 127.0.0.1 "$PGPORT" bench_dump postgres "$PGPASSWORD" "$W/ours.dump" "$PGBIN" >"$W/ours.last"
  cut -d' ' -f1 "$W/ours.last"
}
theirs() { rm -f "$W/plain.dump"; sync; local t0; t0=$(now); "$PGBIN/pg_dump" -Fc -f "$W/plain.dump" bench_dump; echo "$(now) - $t0" | bc; }
: >"$W/ours.txt"; : >"$W/plain.txt"
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then ours >>"$W/ours.txt"; theirs >>"$W/plain.txt"; else theirs >>"$W/plain.txt"; ours >>"$W/ours.txt"; fi
  read -r _ bytes tables dumping hashing <"$W/ours.last"
  echo "run $i: ours $(tail -n1 "$W/ours.txt") s (dump and $tables row counts $dumping s, SHA-256 of $bytes bytes $hashing s), pg_dump $(tail -n1 "$W/plain.txt") s"
done
o=$(median <"$W/ours.txt"); p=$(median <"$W/plain.txt")
printf 'dump, pgbench scale %s (%s): ours %.2f s, pg_dump %.2f s, ratio %.3f\n' "$SCALE" \
  "$("$PGBIN/psql" -d postgres -tAc "select pg_size_pretty(pg_database_size('bench_dump'))")" "$o" "$p" "$(echo "$o / $p" | bc -l)"
rm -f "$W/ours.dump" "$W/plain.dump"
