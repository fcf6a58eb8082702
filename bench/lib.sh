# Shared helpers of the benchmarks (sourced).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q "$2" </dev/null >/dev/null; }; }
# Compiles the project and the benchmark programs ahead of time (a source-launched program
# would be compiled by javac inside the timed JVM) and prints the classpath.
classpath() {
  mvn -B -q -DskipTests compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
  local cp="target/classes:$(cat target/bench.cp)"
  mkdir -p target/bench-classes
  javac -q -nowarn -d target/bench-classes -cp "$cp" bench/*.java 2>/dev/null || javac -d target/bench-classes -cp "$cp" bench/*.java
  echo "target/bench-classes:$cp"
}
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
