#!/usr/bin/env bash
# run-offsite-bench.sh [FILES] [TOTAL_MB] [RUNS]
# llm-backup's offsite copy (Task_CopyOffsite: restic backup of the day's set, i.e. its dump,
# manifest and uploads snapshot folder uploads_<id>, tagged) of an UNCHANGED day against
# `restic backup` of the same uploads folder run by hand (same path every day, so restic uses
# the previous snapshot as parent), each into its own local repository that already holds the
# previous day. Alternating, RUNS times each; prints medians, the ratio ours / theirs and the
# bytes each sent. Both use --no-cache (the orchestrator keeps no restic cache).
source "$(dirname "$0")/lib.sh"
FILES=${1:-20000}; MB=${2:-2000}; RUNS=${3:-3}
need bc bc
command -v restic >/dev/null || need restic restic
CP=$(classpath)
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/offsite-$FILES
rm -rf "$W"; mkdir -p "$W/backup/daily"
export RESTIC_PASSWORD_FILE="$W/password"
echo "bench password" >"$RESTIC_PASSWORD_FILE"
java bench/DatasetGenerator.java generate "$W/uploads" "$FILES" "$MB"
head -c 8000000 /dev/urandom >"$W/dump"

# a complete daily set as the snapshot step leaves it: uploads hard-linked to the previous set
set_of() { # id previous-id
  local d="$W/backup/daily"
  if [ -n "${2:-}" ]; then cp -al "$d/uploads_$2" "$d/uploads_$1"; else cp -a "$W/uploads" "$d/uploads_$1"; fi
  cp "$W/dump" "$d/db_$1.dump"
  printf '{"formatVersion":1,"kind":"daily","id":"%s","status":"complete"}' "$1" >"$d/manifest_$1.json"
}
set_of 20251030
restic -q -r "$W/ours-repo" init >/dev/null
restic -q -r "$W/theirs-repo" init >/dev/null
# day 0, not timed: both repositories get the first day
java -cp "$CP" OffsiteBench "$W/backup" "$W/ours-repo" "$RESTIC_PASSWORD_FILE" daily 20251030 >/dev/null
restic -q -r "$W/theirs-repo" --no-cache backup --host llm-backup "$W/uploads" "$W/dump" >/dev/null
sync

day=1
ours() {
  day=$((day + 1))
  local id; id=$(printf '202511%02d' "$day"); local prev; prev=$(printf '202511%02d' "$((day - 1))")
  [ "$day" -eq 2 ] && prev=20251030
  set_of "$id" "$prev"; sync
  java -cp "$CP" OffsiteBench "$W/backup" "$W/ours-repo" "$RESTIC_PASSWORD_FILE" daily "$id"
}
theirs() {
  local t0; t0=$(now)
  local added
  added=$(restic -r "$W/theirs-repo" --no-cache backup --json --host llm-backup "$W/uploads" "$W/dump" | tail -n1 \
    | sed -n 's/.*"data_added":\([0-9]*\).*/\1/p')
  echo "$(echo "$(now) - $t0" | bc) $added"
}
: >"$W/ours.txt"; : >"$W/theirs.txt"
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then
    read -r s a p f < <(ours); echo "$s" >>"$W/ours.txt"; read -r t ta < <(theirs); echo "$t" >>"$W/theirs.txt"
  else
    read -r t ta < <(theirs); echo "$t" >>"$W/theirs.txt"; read -r s a p f < <(ours); echo "$s" >>"$W/ours.txt"
  fi
  echo "run $i: ours $s s ($a bytes sent, $p read, $f files), restic by hand $t s ($ta bytes sent)"
done
o=$(median <"$W/ours.txt"); r=$(median <"$W/theirs.txt")
printf 'offsite copy of an unchanged day, %s files, %s MB: ours %.2f s, restic backup by hand %.2f s, ratio %.2f\n' \
  "$FILES" "$MB" "$o" "$r" "$(echo "$o / $r" | bc -l)"
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
