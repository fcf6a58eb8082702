#!/usr/bin/env bash
# run-offsite-bench.sh [FILES] [TOTAL_MB] [RUNS]
# llm-backup's offsite copy (Task_CopyOffsite through OffsiteRepository.copy: restic backup of
# the day's set, i.e. its dump, manifest and uploads snapshot folder uploads_<id>, tagged, JSON
# summary read) of an UNCHANGED day against `restic backup` of the same set folder run by hand
# (same files, same names, cwd the kind's folder), each into its own local repository that
# already holds the previous days. Also shown, for scale: `restic backup /uploads` (the live
# folder, same path every day, so restic skips unchanged files by their metadata).
# Each run makes the next day's set as the snapshot step does (uploads hard-linked to the
# previous set), then runs ours and theirs on it, alternating which goes first. Prints medians,
# the ratio ours / theirs and the bytes each sent. All use --no-cache (the orchestrator keeps no cache).
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
D="$W/backup/daily"

set_of() { # id [previous-id]: a complete daily set as the snapshot step leaves it
  if [ -n "${2:-}" ]; then cp -al "$D/uploads_$2" "$D/uploads_$1"; else cp -a "$W/uploads" "$D/uploads_$1"; fi
  cp "$W/dump" "$D/db_$1.dump"
  printf '{"formatVersion":1,"kind":"daily","id":"%s","status":"complete"}' "$1" >"$D/manifest_$1.json"
}
by_hand() { # repository id: restic backup of the set's files, by hand
  (cd "$D" && restic -r "$1" --no-cache backup --json --host llm-backup "db_$2.dump" "manifest_$2.json" "uploads_$2" | tail -n1)
}
added() { sed -n 's/.*"data_added":\([0-9]*\).*/\1/p'; }
for r in ours theirs floor; do restic -q -r "$W/$r-repo" init >/dev/null; done
# day 0, not timed: every repository gets the first day
set_of 20251101
java -cp "$CP" OffsiteBench "$W/backup" "$W/ours-repo" "$RESTIC_PASSWORD_FILE" daily 20251101 >/dev/null
by_hand "$W/theirs-repo" 20251101 >/dev/null
restic -q -r "$W/floor-repo" --no-cache backup --host llm-backup "$W/uploads" >/dev/null
sync

ours() { java -cp "$CP" OffsiteBench "$W/backup" "$W/ours-repo" "$RESTIC_PASSWORD_FILE" daily "$1"; }
theirs() { local t0; t0=$(now); local a; a=$(by_hand "$W/theirs-repo" "$1" | added); echo "$(echo "$(now) - $t0" | bc) $a"; }
floor() { local t0; t0=$(now); local a; a=$(restic -r "$W/floor-repo" --no-cache backup --json --host llm-backup "$W/uploads" | tail -n1 | added); echo "$(echo "$(now) - $t0" | bc) $a"; }
: >"$W/ours.txt"; : >"$W/theirs.txt"; : >"$W/floor.txt"
prev=20251101
for i in $(seq "$RUNS"); do
  id=$(printf '202511%02d' "$((i + 1))"); set_of "$id" "$prev"; prev=$id; sync
  if [ $((i % 2)) -eq 1 ]; then
    read -r s a p f < <(ours "$id"); read -r t ta < <(theirs "$id")
  else
    read -r t ta < <(theirs "$id"); read -r s a p f < <(ours "$id")
  fi
  read -r fl fa < <(floor)
  echo "$s" >>"$W/ours.txt"; echo "$t" >>"$W/theirs.txt"; echo "$fl" >>"$W/floor.txt"
  echo "run $i ($id): ours $s s ($a bytes sent, $p read, $f files), restic by hand $t s ($ta bytes sent), restic of /uploads $fl s ($fa bytes sent)"
done
o=$(median <"$W/ours.txt"); r=$(median <"$W/theirs.txt"); fl=$(median <"$W/floor.txt")
printf 'offsite copy of an unchanged day, %s files, %s MB: ours %.2f s, restic backup of the set by hand %.2f s, ratio %.2f; restic backup of /uploads (parent by path) %.2f s\n' \
  "$FILES" "$MB" "$o" "$r" "$(echo "$o / $r" | bc -l)" "$fl"
[ "${KEEP:-}" = 1 ] || rm -rf "$W"
