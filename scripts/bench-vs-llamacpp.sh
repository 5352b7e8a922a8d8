#!/usr/bin/env bash
# Side-by-side speed of jamba4j and llama.cpp on the same GGUF files, in one run on this machine (issue 4's benchmark):
#   1. builds bench-small (configs/bench-small.json, random weights, `jamba init --seed 42`) as GGUF in F32, then
#      converts it to each quantized type (default F32,Q8_0,Q4_0,Q4_K,Q6_K: the issue's formats, and Q4_K_M, llama.cpp's usual mix of Q4_K and Q6_K; fewer with --types)
#   2. for each file: llama.cpp (scripts/reference/llamacpp-bench.mjs, node-llama-cpp), mapped (its default) and with
#      --no-mmap, and `jamba bench --probe --profile` (weights as `jamba` loads them by default) with the same threads, prompt
#      length, decode length and repetitions; the probe measures the fp32 FMA peak and the memory read bandwidth in
#      the same run, `--profile` where the decode's time goes (per part of the model, in and out of matrix products)
#   3. `jamba bench-report` writes OUT/README.md (table) and OUT/prefill.png, OUT/decode.png; raw JSON lines in
#      OUT/results.jsonl
# Usage: scripts/bench-vs-llamacpp.sh [--types F32,Q8_0,Q4_0,Q4_K,Q6_K,Q4_K_M] [--threads 2] [--prompt 512] [--gen 64] [--reps 3]
#                                     [--warmup 5 (jamba4j's untimed repetitions first: the JIT's steady state)]
#                                     [--models DIR (default .cache/bench)] [--out DIR (default docs/bench)]
# Needs ~8 GB of disk for the model files, node + npm (llama.cpp is installed into .cache/llama like the interop check).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
types=F32,Q8_0,Q4_0,Q4_K,Q6_K,Q4_K_M; threads=2; prompt=512; gen=64; reps=3; warmup=5; models=.cache/bench; out=docs/bench
while [ $# -gt 0 ]; do
    case "$1" in
        --types) types="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --prompt) prompt="$2"; shift 2 ;;
        --gen) gen="$2"; shift 2 ;;
        --reps) reps="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --models) models="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "bench: unknown option $1" >&2; exit 2 ;;
    esac
done
. "$root/scripts/llama-env.sh"
mkdir -p "$models" "$out"
f32="$models/bench-small-f32.gguf"
if [ ! -f "$f32" ]; then
    echo "bench: writing $f32" >&2
    ./jamba init --config configs/bench-small.json --seed 42 --to gguf --type F32 --out "$f32" --no-simd-check >&2
fi
results="$out/results.jsonl"
node -e '
const os = require("os"), cp = require("child_process");
const java = cp.execSync(". bin/jdk.sh && \"$JAVA_HOME/bin/java\" -version 2>&1 | head -1", {shell: "/bin/bash"}).toString().trim();
console.log(JSON.stringify({machine: {cpu: os.cpus()[0].model, threads: Number(process.argv[1]), cores: os.cpus().length,
  memory: (os.totalmem() / 2 ** 30).toFixed(1) + " GiB", java, species: process.argv[2], date: new Date().toISOString()}}));
' "$threads" "$(grep -o -m1 -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tail -1)" > "$results"
IFS=, read -r -a tlist <<< "$types"
for t in "${tlist[@]}"; do
    lc="$(echo "$t" | tr 'A-Z' 'a-z')"
    f="$models/bench-small-$lc.gguf"
    if [ ! -f "$f" ]; then
        echo "bench: converting to $t" >&2
        ./jamba convert "$f32" --to gguf --type "$t" --out "$f" --no-simd-check >&2
    fi
    for mm in "" --no-mmap; do
        echo "bench: $t llama.cpp $mm" >&2
        node scripts/reference/llamacpp-bench.mjs "$f" --prompt "$prompt" --gen "$gen" --threads "$threads" --reps "$reps" $mm \
            | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s.trim().split("\n").pop());o.engine="llama.cpp";console.log(JSON.stringify(o))})' >> "$results"
        tail -1 "$results" >&2
    done
    echo "bench: $t jamba4j" >&2
    ./jamba bench --model "$f" --prompt "$prompt" --gen "$gen" --threads "$threads" --reps "$reps" --warmup "$warmup" --probe --profile --no-simd-check >> "$results"
    tail -1 "$results" >&2
done
./jamba bench-report "$results" --out "$out" --title bench-small
