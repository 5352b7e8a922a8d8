#!/usr/bin/env bash
# Runs the JMH kernel suite (src/test/java/io/jamba4j/jmh): scripts/jmh.sh [JMH options], e.g.
#   scripts/jmh.sh                      all benchmarks
#   scripts/jmh.sh matvec -p type=Q8_0  one benchmark, one parameter value
#   scripts/jmh.sh -l                   list
# Throughput counters: "bytes" (weight bytes/s streamed) and "flops" (FLOP/s) next to the time per call.
# Threads: JAMBA4J_THREADS (default: all cores), passed to the forked JVMs as -Djamba4j.threads.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bin/jdk.sh
export JAVA_HOME
mvn -q -B -DskipTests test-compile
cp_file="target/jmh.classpath"
mvn -q -B dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >/dev/null
threads=()
[ -n "${JAMBA4J_THREADS:-}" ] && threads=(-jvmArgsAppend "-Djamba4j.threads=$JAMBA4J_THREADS")
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
    org.openjdk.jmh.Main "${threads[@]}" "$@"
