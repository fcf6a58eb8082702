#!/usr/bin/env bash
# run-offsite-bench.sh [FILES] [TOTAL_MB] [RUNS]
# llm-backup's offsite copy of a day's set (OffsiteBench copy: OffsiteRepository.copy as
# Task_CopyOffsite runs it, with the snapshot list the step has read; that read is timed apart)
# against the anchor an operator would run by hand: `restic backup /uploads` of the live folder,
# whose path is the same every day, so restic finds its parent and skips unchanged files.
# Each run has two days: a day of ordinary changes (DatasetGenerator mutate: about 1% of the
# files changed, 0.5% added, 0.2% deleted) and an unchanged day. Each day's set is made as the
# daily makes it (OffsiteBench make: the real snapshot step, unchanged files hard-linked to the
# day before, dump, file list, manifest); then ours copies the set and the anchor backs up the
# live folder, alternating which goes first, each into its own local repository that already
# holds the days before. All use --no-cache (the orchestrator keeps no cache). Prints medians,
# the ratio ours / anchor per kind of day, the bytes each sent and what ours read.
source "$(dirname "$0")/lib.sh"
FILES=${1:-20000}; MB=${2:-2000}; RUNS=${3:-3}
need bc bc
command -v restic >/dev/null || need restic restic
CP=$(classpath)
W=${BENCH_DIR:-/var/tmp/llm-backup-bench}/offsite-$FILES
rm -rf "$W"; mkdir -p "$W/backup"
export RESTIC_PASSWORD_FILE="$W/password"
echo "bench password" >"$RESTIC_PASSWORD_FILE"
java bench/DatasetGenerator.java generate "$W/uploads" "$FILES" "$MB"
head -c 8000000 /dev/urandom >"$W/dump"
for r in ours anchor; do restic -q -r "$W/$r-repo" init >/dev/null; done

day() { date -d "2025-11-01 + $1 days" +%Y%m%d; }
make_set() { local id=$1; shift; java -cp "$CP" OffsiteBench make "$W/backup" "$id" "$W/uploads" "$W/dump" "$@" >/dev/null; }
ours() { java -cp "$CP" OffsiteBench copy "$W/backup" "$W/ours-repo" "$RESTIC_PASSWORD_FILE" "$1"; }
anchor() {
  local t0 out; t0=$(now)
  out=$(restic -r "$W/anchor-repo" --no-cache backup --json --quiet --host llm-backup "$W/uploads" | tail -n1)
  echo "$(echo "$(now) - $t0" | bc) $(sed -n 's/.*"data_added":\([0-9]*\).*/\1/p' <<<"$out") $(sed -n 's/.*"files_unmodified":\([0-9]*\).*/\1/p' <<<"$out")"
}

# day 0, not timed: each repository gets the first day in full
make_set "$(day 0)"
ours "$(day 0)" >/dev/null
anchor >/dev/null
sync
: >"$W/changed-ours.txt"; : >"$W/changed-anchor.txt"; : >"$W/unchanged-ours.txt"; : >"$W/unchanged-anchor.txt"
n=0; prev=$(day 0)
for i in $(seq "$RUNS"); do
  for what in changed unchanged; do
    n=$((n + 1)); id=$(day "$n")
    [ "$what" = changed ] && java bench/DatasetGenerator.java mutate "$W/uploads" "$n" >/dev/null
    make_set "$id" "$prev"; prev=$id; sync
    if [ $((n % 2)) -eq 1 ]; then
      read -r s l a p fr fu par < <(ours "$id"); read -r t ta tu < <(anchor)
    else
      read -r t ta tu < <(anchor); read -r s l a p fr fu par < <(ours "$id")
    fi
    echo "$s" >>"$W/$what-ours.txt"; echo "$t" >>"$W/$what-anchor.txt"
    echo "run $i, $what day ($id): ours $s s (+ list $l s; parent $par; read $fr files, $fu unchanged; $a bytes sent of $p),"\
      "restic backup /uploads $t s ($tu unchanged; $ta bytes sent)"
  done
done
for what in changed unchanged; do
  o=$(median <"$W/$what-ours.txt"); r=$(median <"$W/$what-anchor.txt")
  printf 'offsite copy of a %s day, %s files, %s MB: ours %.2f s, restic backup /uploads with its parent %.2f s, ratio %.2f\n' \
    "$what" "$FILES" "$MB" "$o" "$r" "$(echo "$o / $r" | bc -l)"
done
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
