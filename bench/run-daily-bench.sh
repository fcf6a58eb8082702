#!/usr/bin/env bash
# run-daily-bench.sh [FILES] [TOTAL_MB] [RUNS]
# llm-backup's incremental uploads snapshot against `rsync -a --delete --link-dest=PREV ... && sync`
# on the same data after "one day of changes", alternating, RUNS times each; prints medians,
# the ratio (ours / rsync; goal <= 1.0) and our peak heap. Ours also hashes every copied file
# and writes the manifest; its time is measured inside the JVM (the orchestrator is long-running).
# The JVM gets a fixed small heap (HEAP, default 256m: the orchestrator's documented heap): the same bound must serve every size.
source "$(dirname "$0")/lib.sh"
FILES=${1:-20000}; MB=${2:-2000}; RUNS=${3:-3}
need rsync rsync
need bc bc
CP=$(classpath)
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/daily-$FILES
rm -rf "$W"; mkdir -p "$W"
java bench/DatasetGenerator.java generate "$W/src" "$FILES" "$MB"
# day 0: both tools make a full first copy (not timed), then the day's changes
java -Xmx${HEAP:-256m} -cp "$CP" SnapshotBench "$W/src" "$W/ours0" "$W/ours0.jsonl" >/dev/null
rsync -a "$W/src/" "$W/rsync0/"
java bench/DatasetGenerator.java mutate "$W/src" 1
sync

ours() {
  rm -rf "$W/ours1"
  java -Xmx${HEAP:-256m} -cp "$CP" SnapshotBench "$W/src" "$W/ours1" "$W/ours1.jsonl" "$W/ours0" "$W/ours0.jsonl"
}
theirs() {
  rm -rf "$W/rsync1"; sync
  local t0; t0=$(now)
  rsync -a --delete --link-dest="$W/rsync0" "$W/src/" "$W/rsync1/" && sync
  echo "$(now) - $t0" | bc
}
: >"$W/ours.txt"; : >"$W/rsync.txt"; : >"$W/heap.txt"
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then
    read -r s c l h < <(ours); echo "$s" >>"$W/ours.txt"; echo "$h" >>"$W/heap.txt"; theirs >>"$W/rsync.txt"
  else
    theirs >>"$W/rsync.txt"; read -r s c l h < <(ours); echo "$s" >>"$W/ours.txt"; echo "$h" >>"$W/heap.txt"
  fi
  echo "run $i: ours $(tail -n1 "$W/ours.txt") s (copied $c, linked $l, heap $h MB), rsync $(tail -n1 "$W/rsync.txt") s"
done
o=$(median <"$W/ours.txt"); r=$(median <"$W/rsync.txt"); h=$(sort -g "$W/heap.txt" | tail -n1)
printf 'daily snapshot, %s files, %s MB: ours %.2f s, rsync %.2f s, ratio %.2f, peak heap %s MB\n' \
  "$FILES" "$MB" "$o" "$r" "$(echo "$o / $r" | bc -l)" "$h"
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
