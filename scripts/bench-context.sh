#!/usr/bin/env bash
# Decode speed as a function of context length, for the hybrid bench-small (attention:Mamba 1:7) and a pure-attention
# model of the same width and depth (configs/bench-small-attention.json), both Q8_0 with an F16 KV cache:
# `jamba bench --fill N` marks N positions as cached (zero K/V rows; their cost, not their content, is what counts)
# and then times a 16-token prompt and 48 decode steps over them (best of 3). Writes OUT/context.jsonl and, through
# `jamba bench-report --context`, OUT/context.md + OUT/context.png with the curves predicted from memory traffic
# (bytes each decode step must read ÷ the measured bandwidth) next to the measured ones.
# Usage: scripts/bench-context.sh [--max 262144] [--threads 2] [--models DIR] [--out DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
max=262144; threads=2; models=.cache/bench; out=docs/bench
while [ $# -gt 0 ]; do
    case "$1" in
        --max) max="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --models) models="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "bench-context: unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$models" "$out"
for name in bench-small bench-small-attention; do
    f="$models/$name-q8_0.gguf"
    if [ ! -f "$f" ]; then
        echo "bench-context: writing $f" >&2
        ./jamba init --config "configs/$name.json" --seed 42 --to gguf --type Q8_0 --out "$f" --no-simd-check >&2
    fi
done
res="$out/context.jsonl"
: > "$res"
n=1024
while [ "$n" -le "$max" ]; do
    for name in bench-small bench-small-attention; do
        echo "bench-context: $name at $n" >&2
        # N − 80 filled positions + 16 prompt + 48 decoded (+16 spare) = a context of N
        ./jamba bench --model "$models/$name-q8_0.gguf" --fill $((n - 80)) --prompt 16 --gen 48 --reps 3 --kv-type f16 \
            --threads "$threads" --probe --no-simd-check >> "$res"
        tail -1 "$res" >&2
    done
    n=$((n * 2))
done
./jamba bench-report "$res" --context --out "$out" --title "decode vs context (Q8_0 weights, F16 KV)"
