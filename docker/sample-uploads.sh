#!/bin/sh
# sample-uploads.sh DIR - sample uploaded documents for the sandbox and the stack's stand-in
# (a Korean file name, an empty folder). Readable by others: the backend stand-in reads them
# as an unprivileged user, as the web app's backend does.
set -eu
dir=$1
umask 022
for u in 1 2 3; do
  mkdir -p "$dir/user$u"
  for f in 1 2 3 4; do head -c $((4096 * f * u)) /dev/urandom > "$dir/user$u/report_$f.pdf"; done
done
printf '회의록 (meeting notes)\n' > "$dir/user1/회의록 2025.txt"
mkdir -p "$dir/empty-folder"
