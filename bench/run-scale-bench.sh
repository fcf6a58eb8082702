#!/usr/bin/env bash
# run-scale-bench.sh [FILES] [TOTAL_MB] [RUNS]
# Issue 19: every uploads step of llm-backup at a large file count under the orchestrator's
# documented heap (HEAP, default 256m), with its peak heap: the first daily snapshot (beside
# `rsync -a`), the incremental daily after one day of changes against
# `rsync -a --delete --link-dest` (RUNS times each, alternating; goal ratio <= 1.0), the weekly
# archive with its verification, and the uploads restore (the day-0 snapshot restored over the
# changed folder). E.g. `run-scale-bench.sh 1000000 1000` (tiny files: about 1 KB each) and
# `run-scale-bench.sh 100000 100`: the peak heaps should be about equal.
source "$(dirname "$0")/lib.sh"
FILES=${1:-100000}; MB=${2:-100}; RUNS=${3:-1}; HEAP=${HEAP:-256m}
need rsync rsync
need bc bc
CP=$(classpath)
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/scale-$FILES
rm -rf "$W"; mkdir -p "$W"
t0=$(now); java bench/DatasetGenerator.java generate "$W/src" "$FILES" "$MB"; echo "generated in $(echo "$(now) - $t0" | bc) s"
sync
JAVA=(java -Xmx$HEAP -cp "$CP")
since=$(date +%s%3N)
read -r s0 c0 l0 h0 < <("${JAVA[@]}" SnapshotBench "$W/src" "$W/ours0" "$W/ours0.jsonl")
t0=$(now); rsync -a "$W/src/" "$W/rsync0/" && sync; r0=$(echo "$(now) - $t0" | bc)
echo "first snapshot: ours $s0 s (copied $c0, heap $h0 MB), rsync -a $r0 s"
java bench/DatasetGenerator.java mutate "$W/src" 1
sync
: >"$W/ours.txt"; : >"$W/rsync.txt"; : >"$W/heap.txt"
ours() {
  rm -rf "$W/ours1"; sync
  read -r s c l h < <("${JAVA[@]}" SnapshotBench "$W/src" "$W/ours1" "$W/ours1.jsonl" "$W/ours0" "$W/ours0.jsonl")
  echo "$s" >>"$W/ours.txt"; echo "$h" >>"$W/heap.txt"; echo "  ours $s s (copied $c, linked $l, heap $h MB)"
}
theirs() {
  rm -rf "$W/rsync1"; sync
  local t; t=$(now)
  rsync -a --delete --link-dest="$W/rsync0" "$W/src/" "$W/rsync1/" && sync
  echo "$(now) - $t" | bc >>"$W/rsync.txt"; echo "  rsync $(tail -n1 "$W/rsync.txt") s"
}
for i in $(seq "$RUNS"); do
  echo "run $i:"
  if [ $((i % 2)) -eq 1 ]; then ours; theirs; else theirs; ours; fi
done
o=$(median <"$W/ours.txt"); r=$(median <"$W/rsync.txt"); h1=$(sort -g "$W/heap.txt" | tail -n1)
rm -rf "$W/rsync0" "$W/rsync1" "$W/ours1"; sync
read -r sa ab blocks ha sv < <("${JAVA[@]}" ArchiveBench "$W/src" "$W/weekly.tar.gz" verify)
echo "weekly archive: $sa s ($ab bytes, $blocks blocks stored, heap $ha MB), verification $sv s"
rm -f "$W/weekly.tar.gz"; sync
read -r su written kept removed hu < <("${JAVA[@]}" RestoreBench uploads "$W/ours0" "$W/ours0.jsonl" "$W/src" "$since")
echo "uploads restore (day 0 over the changed folder): $su s ($written written, $kept kept, $removed removed, heap $hu MB)"
printf '%s files, %s MB, -Xmx%s: first snapshot %.2f s (rsync -a %.2f s) heap %s MB; incremental %.2f s, rsync --link-dest %.2f s, ratio %.2f, heap %s MB; weekly archive %.2f s + verify %.2f s heap %s MB; uploads restore %.2f s heap %s MB\n' \
  "$FILES" "$MB" "$HEAP" "$s0" "$r0" "$h0" "$o" "$r" "$(echo "$o / $r" | bc -l)" "$h1" "$sa" "$sv" "$ha" "$su" "$hu"
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
