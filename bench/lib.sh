# Shared helpers of the benchmarks (sourced).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q "$2" </dev/null >/dev/null; }; }
classpath() {
  mvn -B -q -DskipTests compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
  echo "target/classes:$(cat target/bench.cp)"
}
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
