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
# each JVM logs its collections: the largest heap left after a collection is what stays
# live (the pools' peaks, printed too, also count garbage a collection had not yet reclaimed)
jvm() { local name=$1; shift; java -Xmx$HEAP -Xlog:gc:file="$W/gc-$name.log" -cp "$CP" "$@"; }
live() { grep -o '[0-9]*M->[0-9]*M' "$W/gc-$1.log" | sed 's/.*->//; s/M//' | sort -n | tail -n1; }
since=$(date +%s%3N)
read -r s0 c0 l0 h0 < <(jvm first SnapshotBench "$W/src" "$W/ours0" "$W/ours0.jsonl"); h0="$h0 peak, $(live first) live"
t0=$(now); rsync -a "$W/src/" "$W/rsync0/" && sync; r0=$(echo "$(now) - $t0" | bc)
echo "first snapshot: ours $s0 s (copied $c0, heap $h0 MB), rsync -a $r0 s"
java bench/DatasetGenerator.java mutate "$W/src" 1
sync
: >"$W/ours.txt"; : >"$W/rsync.txt"; : >"$W/heap.txt"; : >"$W/live.txt"
ours() {
  rm -rf "$W/ours1"; sync
  read -r s c l h < <(jvm incremental SnapshotBench "$W/src" "$W/ours1" "$W/ours1.jsonl" "$W/ours0" "$W/ours0.jsonl")
  echo "$s" >>"$W/ours.txt"; echo "$h" >>"$W/heap.txt"; live incremental >>"$W/live.txt"
  echo "  ours $s s (copied $c, linked $l, heap $h MB peak, $(live incremental) MB live)"
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
o=$(median <"$W/ours.txt"); r=$(median <"$W/rsync.txt"); h1="$(sort -g "$W/heap.txt" | tail -n1) peak, $(sort -g "$W/live.txt" | tail -n1) live"
rm -rf "$W/rsync0" "$W/rsync1" "$W/ours1"; sync
read -r sa ab blocks ha sv < <(jvm weekly ArchiveBench "$W/src" "$W/weekly.tar.gz" verify); ha="$ha peak, $(live weekly) live"
echo "weekly archive: $sa s ($ab bytes, $blocks blocks stored, heap MB: $ha), verification $sv s"
rm -f "$W/weekly.tar.gz"; sync
read -r su written kept removed hu hashed < <(jvm restore RestoreBench uploads "$W/ours0" "$W/ours0.jsonl" "$W/src" "$since"); hu="$hu peak, $(live restore) live"
echo "uploads restore (day 0 over the changed folder): $su s ($written written, $kept kept of which $hashed read to prove it, $removed removed, heap MB: $hu)"
printf '%s files, %s MB, -Xmx%s: first snapshot %.2f s (rsync -a %.2f s) heap MB %s; incremental %.2f s, rsync --link-dest %.2f s, ratio %.2f, heap MB %s; weekly archive %.2f s + verify %.2f s, heap MB %s; uploads restore %.2f s, heap MB %s\n' \
  "$FILES" "$MB" "$HEAP" "$s0" "$r0" "$h0" "$o" "$r" "$(echo "$o / $r" | bc -l)" "$h1" "$sa" "$sv" "$ha" "$su" "$hu"
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
