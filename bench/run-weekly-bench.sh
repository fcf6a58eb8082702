#!/usr/bin/env bash
# run-weekly-bench.sh [FILES] [TOTAL_MB] [RUNS]
# llm-backup's weekly archive step against GNU `tar -czf`, `tar -I pigz -cf` and `tar -cf`
# (the I/O floor) on the daily benchmark's dataset, alternating, RUNS times each (each
# followed by sync); prints medians, archive sizes and the ratios. Goals: <= 0.25 x tar -czf,
# <= 0.5 x pigz, archive at most 2% larger than gzip's, heap bounded (HEAP, default 256m: the orchestrator's documented heap).
source "$(dirname "$0")/lib.sh"
FILES=${1:-20000}; MB=${2:-2000}; RUNS=${3:-3}
need pigz pigz
need bc bc
CP=$(classpath)
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/weekly-$FILES
rm -rf "$W"; mkdir -p "$W"
java bench/DatasetGenerator.java generate "$W/uploads" "$FILES" "$MB"
sync

timed() { local t0; t0=$(now); "$@"; sync; echo "$(now) - $t0" | bc; }
ours() { rm -f "$W/ours.tar.gz"; java -Xmx${HEAP:-256m} -cp "$CP" ArchiveBench "$W/uploads" "$W/ours.tar.gz" >"$W/ours.last"; cut -d' ' -f1 "$W/ours.last"; }
gnu() { rm -f "$W/gnu.tar.gz"; timed tar -C "$W" -czf "$W/gnu.tar.gz" uploads; }
pigzed() { rm -f "$W/pigz.tar.gz"; timed tar -C "$W" -I pigz -cf "$W/pigz.tar.gz" uploads; }
plain() { rm -f "$W/plain.tar"; timed tar -C "$W" -cf "$W/plain.tar" uploads; }
: >"$W/ours.txt"; : >"$W/gnu.txt"; : >"$W/pigz.txt"; : >"$W/plain.txt"
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then
    ours >>"$W/ours.txt"; gnu >>"$W/gnu.txt"; pigzed >>"$W/pigz.txt"; plain >>"$W/plain.txt"
  else
    plain >>"$W/plain.txt"; pigzed >>"$W/pigz.txt"; gnu >>"$W/gnu.txt"; ours >>"$W/ours.txt"
  fi
  echo "run $i: ours $(tail -n1 "$W/ours.txt") s ($(cut -d' ' -f3 "$W/ours.last") blocks stored, heap $(cut -d' ' -f4 "$W/ours.last") MB)," \
    "tar -czf $(tail -n1 "$W/gnu.txt") s, pigz $(tail -n1 "$W/pigz.txt") s, tar -cf $(tail -n1 "$W/plain.txt") s"
done
gzip -t "$W/ours.tar.gz" && tar -tzf "$W/ours.tar.gz" >/dev/null
o=$(median <"$W/ours.txt"); g=$(median <"$W/gnu.txt"); p=$(median <"$W/pigz.txt"); t=$(median <"$W/plain.txt")
so=$(stat -c %s "$W/ours.tar.gz"); sg=$(stat -c %s "$W/gnu.tar.gz"); sp=$(stat -c %s "$W/pigz.tar.gz")
printf 'weekly archive, %s files, %s MB: ours %.2f s, tar -czf %.2f s, pigz %.2f s, tar -cf %.2f s\n' "$FILES" "$MB" "$o" "$g" "$p" "$t"
printf 'ratios: ours/tar-czf %.3f, ours/pigz %.3f, ours/tar-cf %.2f; sizes: ours %s, gzip %s (ours %+.2f%%), pigz %s\n' \
  "$(echo "$o / $g" | bc -l)" "$(echo "$o / $p" | bc -l)" "$(echo "$o / $t" | bc -l)" "$so" "$sg" "$(echo "($so - $sg) * 100 / $sg" | bc -l)" "$sp"
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
