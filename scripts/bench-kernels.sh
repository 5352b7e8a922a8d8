#!/usr/bin/env bash
# Runs the whole JMH kernel suite (src/test/java/io/jamba4j/jmh: per weight type matvec, matvec paired with a read,
# the F32 matrix × vector taken apart (matvecTakenApart), GEMM, GEMM paired with the FMA probe; the training GEMMs,
# the selective scan, and the machine's probes: memory read bandwidth and fp32 FMA peak, in the same run) and writes OUT/kernels.md (`jamba bench-report --kernels`) with JMH's
# raw result in OUT/kernels-jmh.json.
# Usage: scripts/bench-kernels.sh [--out DIR (default docs/bench)] [extra JMH options, e.g. -p type=F32]
# Threads: JAMBA4J_THREADS (default: all cores). Takes ~15 minutes for the whole suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out=docs/bench
if [ "${1:-}" = "--out" ]; then out="$2"; shift 2; fi
mkdir -p "$out"
raw="$out/kernels-jmh.json"
scripts/jmh.sh -rf json -rff "$raw" "$@"
. bin/jdk.sh
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
species="$(grep -o -m1 -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tail -1)"
mem="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
machine="$cpu, $(nproc) logical cores, $mem, widest vector extension $species, $(date -u +%Y-%m-%dT%H:%MZ)"
./jamba bench-report "$raw" --kernels --machine "$machine" --out "$out"
