#!/usr/bin/env bash
# run-restore-bench.sh [FILES] [TOTAL_MB] [PGBENCH_SCALE] [RUNS]
# The restore phase of llm-backup (database and uploads after approval; the guard and the
# safety backup are reported by the other benchmarks) against the runbook's manual equivalent,
# `pg_restore -c -d DB DUMP` then `rsync -a SNAPSHOT/ /uploads/` then `sync`, alternating.
# Both start from the same state each run: the database changed since the dump (pgbench
# transactions) and the uploads folder after "one day of changes" since the snapshot.
# Ours runs the database and the uploads halves side by side (as the process step does).
# Ours also checks every table's row count against the backup's, grants to the app role,
# deletes the files created since the backup (rsync -a leaves them: defect D8) and hashes
# every file it writes against the manifest. Prints medians and the ratio (goal <= 1.0).
source "$(dirname "$0")/lib.sh"
FILES=${1:-20000}; MB=${2:-2000}; SCALE=${3:-30}; RUNS=${4:-3}
need rsync rsync
need bc bc
eval "$(bash scripts/sandbox.sh)"
CP=$(classpath)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
export PGPASSWORD=$BACKUP_DATABASE_PASSWORD PGHOST=127.0.0.1 PGPORT=$BACKUP_DATABASE_PORT PGUSER=postgres
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/restore-$FILES
rm -rf "$W"; mkdir -p "$W"
"$PGBIN/psql" -d postgres -qc "drop database if exists bench_restore" -c "create database bench_restore"
"$PGBIN/pgbench" -i -q -s "$SCALE" bench_restore
"$PGBIN/pg_dump" -Fc -f "$W/db.dump" bench_restore
# the backup's row counts, exactly (the manifest keeps them)
"$PGBIN/psql" -d bench_restore -tA >"$W/rows.json" <<'SQL'
select json_object_agg(t, n) from (
  select 'public.pgbench_accounts' t, count(*) n from pgbench_accounts union all
  select 'public.pgbench_branches', count(*) from pgbench_branches union all
  select 'public.pgbench_history', count(*) from pgbench_history union all
  select 'public.pgbench_tellers', count(*) from pgbench_tellers) x;
SQL
java bench/DatasetGenerator.java generate "$W/uploads-at-backup" "$FILES" "$MB"
java -cp "$CP" RestoreBench snapshot "$W/uploads-at-backup" "$W/snapshot" "$W/files.jsonl"

# the state both tools start from: the live folder and database as they were at the backup,
# then the changes an operator wants undone
prepare() {
  rsync -a --delete "$W/uploads-at-backup/" "$W/live/"
  sync; sleep 1.2
  SINCE=$(date +%s%3N)   # the backup started now: everything older is as it was backed up
  java bench/DatasetGenerator.java mutate "$W/live" "$1" >/dev/null
  "$PGBIN/pg_restore" -c -d bench_restore "$W/db.dump"
  "$PGBIN/pgbench" -n -t 2000 bench_restore >/dev/null
  sync
}
ours() {
  prepare "$1"
  java -cp "$CP" RestoreBench restore 127.0.0.1 "$PGPORT" bench_restore postgres "$PGPASSWORD" "$PGBIN" "$W/db.dump" \
    "$W/rows.json" "$W/snapshot" "$W/files.jsonl" "$W/live" "$SINCE" >"$W/ours.last"
  cut -d' ' -f1 "$W/ours.last"
}
theirs() {
  prepare "$1"
  local t0; t0=$(now)
  "$PGBIN/pg_restore" -c -d bench_restore "$W/db.dump" && rsync -a "$W/snapshot/" "$W/live/" && sync
  echo "$(now) - $t0" | bc
}
: >"$W/ours.txt"; : >"$W/theirs.txt"
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then ours "$i" >>"$W/ours.txt"; theirs "$i" >>"$W/theirs.txt"; else theirs "$i" >>"$W/theirs.txt"; ours "$i" >>"$W/ours.txt"; fi
  read -r _ db up written kept removed <"$W/ours.last"
  echo "run $i: ours $(tail -n1 "$W/ours.txt") s (database $db s, uploads $up s: $written written, $kept kept, $removed removed), runbook $(tail -n1 "$W/theirs.txt") s"
done
o=$(median <"$W/ours.txt"); t=$(median <"$W/theirs.txt")
printf 'restore, %s files / %s MB uploads, pgbench scale %s: ours %.2f s, pg_restore -c + rsync -a %.2f s, ratio %.3f\n' \
  "$FILES" "$MB" "$SCALE" "$o" "$t" "$(echo "$o / $t" | bc -l)"
[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
"$PGBIN/psql" -d postgres -qc "drop database if exists bench_restore"
