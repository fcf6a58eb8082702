#!/usr/bin/env bash
# run-restore-bench.sh [FILES] [TOTAL_MB] [PGBENCH_SCALE] [RUNS] [CASE]
# The restore phase of llm-backup (database and uploads after approval; the guard and the
# safety backup are reported by the other benchmarks) against the runbook's manual equivalent,
# `pg_restore -c -d DB DUMP` then `rsync -a SNAPSHOT/ /uploads/` then `sync`, alternating.
# Both start from the same state each run: the database changed since the dump (pgbench
# transactions) and the uploads folder after "one day of changes" since the snapshot.
# Ours restores the database beside the live one and checks it (Task_RestoreBeside, before the
# application stops), then swaps it in while the uploads half runs (Task_RestoreData). Ours also
# checks every table's row count and every object of the dump, grants to the app role, deletes
# the files created since the backup (rsync -a leaves them: defect D8) and hashes every file it
# writes against the manifest. Prints medians and the ratio (goal <= 1.0); then, once, the undo
# of our restore (the replaced database swapped back) beside a roll back through a safety set
# (its dump restored beside, checked and swapped in, and the old way, pg_restore -c).
#
# CASE (the uploads side; default both):
#   common  the backup was taken of the live folder itself and is restored over it: the files
#           untouched since keep their inodes and ctimes (an incremental snapshot per run)
#   copied  the live folder is a copy of the backed-up one (a migration, a disaster recovery, an
#           earlier restore): every ctime is new, so metadata cannot prove a file unchanged
#   both    each run does both cases
# UPLOADS_ONLY=1: the uploads half alone (RestoreBench uploads) against `rsync -a` + `sync`,
# no database.
source "$(dirname "$0")/lib.sh"
FILES=${1:-20000}; MB=${2:-2000}; SCALE=${3:-30}; RUNS=${4:-3}; CASE=${5:-both}
need rsync rsync
need bc bc
CP=$(classpath)
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/restore-$FILES
rm -rf "$W"; mkdir -p "$W"
case "$CASE" in both) CASES="common copied" ;; common|copied) CASES=$CASE ;; *) echo "CASE: common, copied or both" >&2; exit 2 ;; esac

# --- the database side ---
db_setup() {
  eval "$(bash scripts/sandbox.sh)"
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  export PGPASSWORD=$BACKUP_DATABASE_PASSWORD PGHOST=127.0.0.1 PGPORT=$BACKUP_DATABASE_PORT PGUSER=postgres
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
}
db_prepare() {
  "$PGBIN/pg_restore" -c -d bench_restore "$W/db.dump"
  "$PGBIN/pgbench" -n -t 2000 bench_restore >/dev/null
}
db_cleanup() {
  "$PGBIN/psql" -d postgres -qc "drop database if exists bench_restore"
}

# --- the uploads side ---
# SNAP and LIST: the backup's snapshot and file list; SINCE: when that backup started
SNAPSHOTS=0
uploads_setup() {
  java bench/DatasetGenerator.java generate "$W/uploads-at-backup" "$FILES" "$MB"
  java -cp "$CP" RestoreBench snapshot "$W/uploads-at-backup" "$W/snapshot" "$W/files.jsonl"
  rsync -a "$W/uploads-at-backup/" "$W/live/"
}
uploads_prepare() { # CASE RUN
  if [ "$1" = copied ]; then
    rsync -a --delete "$W/uploads-at-backup/" "$W/live/"
    sync; sleep 1.2
    SINCE=$(date +%s%3N)   # the backup started now: everything older is as it was backed up
    SNAP=$W/snapshot; LIST=$W/files.jsonl
  else
    [ "${SNAP:-}" = "$W/snapshot" ] && SNAP=
    # the daily of the live folder itself, incremental against the one before (links, as in production)
    local previous=() next=$W/common-$((++SNAPSHOTS))
    [ -n "${SNAP:-}" ] && previous=("$SNAP" "$LIST")
    sync; sleep 1.2
    SINCE=$(date +%s%3N)
    java -cp "$CP" RestoreBench snapshot "$W/live" "$next" "$next.jsonl" "${previous[@]}"
    [ -n "${SNAP:-}" ] && rm -rf "$SNAP" "$LIST"
    SNAP=$next; LIST=$next.jsonl
  fi
  java bench/DatasetGenerator.java mutate "$W/live" "$2" >/dev/null
}

# --- the two sides together; both tools start from the same state ---
prepare() { # CASE RUN
  uploads_prepare "$1" "$2"
  [ "${UPLOADS_ONLY:-0}" = 1 ] || db_prepare
  sync
}
ours() {
  prepare "$1" "$2"
  if [ "${UPLOADS_ONLY:-0}" = 1 ]; then
    java -cp "$CP" RestoreBench uploads "$SNAP" "$LIST" "$W/live" "$SINCE" >"$W/uploads.last"
    read -r s written kept removed _ hashed <"$W/uploads.last"
    echo "$s - $s $written $kept $removed $hashed" >"$W/ours.last"
  else
    local run=$2; [ "$1" = copied ] && run=$((run + 500))
    java -cp "$CP" RestoreBench restore 127.0.0.1 "$PGPORT" bench_restore postgres "$PGPASSWORD" "$PGBIN" "$W/db.dump" \
      "$W/rows.json" "$SNAP" "$LIST" "$W/live" "$SINCE" "$run" >"$W/ours.last"
    # the database the swap replaced is kept for an undo in production; here it goes (untimed)
    "$PGBIN/psql" -d postgres -qc "drop database if exists bench_restore__before_$run"
  fi
  cut -d' ' -f1 "$W/ours.last"
}
theirs() {
  prepare "$1" "$2"
  local t0; t0=$(now)
  if [ "${UPLOADS_ONLY:-0}" = 1 ]; then
    rsync -a "$SNAP/" "$W/live/" && sync
  else
    "$PGBIN/pg_restore" -c -d bench_restore "$W/db.dump" && rsync -a "$SNAP/" "$W/live/" && sync
  fi
  echo "$(now) - $t0" | bc
}

[ "${UPLOADS_ONLY:-0}" = 1 ] || db_setup
uploads_setup
what=$([ "${UPLOADS_ONLY:-0}" = 1 ] && echo "rsync -a" || echo "pg_restore -c + rsync -a")
for c in $CASES; do
  : >"$W/ours-$c.txt"; : >"$W/theirs-$c.txt"
done
for i in $(seq "$RUNS"); do
  for c in $CASES; do
    if [ $((i % 2)) -eq 1 ]; then ours "$c" "$i" >>"$W/ours-$c.txt"; theirs "$c" "$i" >>"$W/theirs-$c.txt"
    else theirs "$c" "$i" >>"$W/theirs-$c.txt"; ours "$c" "$i" >>"$W/ours-$c.txt"; fi
    read -r _ db up written kept removed hashed beside check swap stopped <"$W/ours.last"
    echo "run $i, $c: ours $(tail -n1 "$W/ours-$c.txt") s (database $db s${beside:+: restore beside $beside s, check $check s, swap $swap s; application stopped $stopped s}; uploads $up s: $written written, $kept kept of which $hashed read to prove it, $removed removed), $what $(tail -n1 "$W/theirs-$c.txt") s"
  done
done
for c in $CASES; do
  o=$(median <"$W/ours-$c.txt"); t=$(median <"$W/theirs-$c.txt")
  printf 'restore (%s), %s files / %s MB uploads%s: ours %.2f s, %s %.2f s, ratio %.3f\n' "$c" "$FILES" "$MB" \
    "$([ "${UPLOADS_ONLY:-0}" = 1 ] || echo ", pgbench scale $SCALE")" "$o" "$what" "$t" "$(echo "$o / $t" | bc -l)"
done
if [ "${UPLOADS_ONLY:-0}" != 1 ]; then
  # the undo of a completed restore against a roll back through its safety set (a dump of the
  # database as it was before the restore, taken untimed here as the safety backup takes it)
  db_prepare
  "$PGBIN/pg_dump" -Fc -f "$W/safety.dump" bench_restore
  read -r undo rollback oldway rows < <(java -cp "$CP" RestoreBench undo 127.0.0.1 "$PGPORT" bench_restore postgres "$PGPASSWORD" \
    "$PGBIN" "$W/db.dump" "$W/safety.dump" 999)
  printf 'undo, pgbench scale %s (the replaced database swapped back; pgbench_history %s rows as before): %.2f s; roll back through the safety set: restore beside, check, swap %.2f s; the old way, pg_restore -c %.2f s\n' \
    "$SCALE" "$rows" "$undo" "$rollback" "$oldway"
fi
[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
[ "${UPLOADS_ONLY:-0}" = 1 ] || db_cleanup
