#!/usr/bin/env bash
# Interop with llama.cpp (the reference): every GGUF jamba4j writes must load in llama.cpp and give the same outputs.
#  1. each fixture's HF checkpoint -> `jamba convert --to gguf` (F32) -> llama.cpp eval == the fixture's reference (1e-4)
#  2. fixture A's HF checkpoint -> Q8_0 GGUF -> llama.cpp eval == the fixture's Q8_0 reference (0.05, greedy equal)
#  3. fixture A -> Q4_0 GGUF -> llama.cpp eval == `jamba logits` on the same file (0.05)
#     (A, because its rows are whole 32-blocks; B's 48-wide rows fall back to F16, whose f16-rounded activations
#     make a tiny random MoE model flip routes on last-bit differences)
# llama.cpp comes prebuilt in the npm package node-llama-cpp, installed once into .cache/llama (git-ignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
llama_dir="${JAMBA4J_LLAMA_DIR:-$root/.cache/llama}"
if [ ! -f "$llama_dir/node_modules/node-llama-cpp/package.json" ]; then
    echo "interop: installing node-llama-cpp@3.22.1 into $llama_dir" >&2
    npm install --prefix "$llama_dir" --no-audit --no-fund --loglevel=error node-llama-cpp@3.22.1 >&2
fi
export NODE_PATH="$llama_dir/node_modules"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ref() { node scripts/reference/llamacpp-ref.mjs eval "$@" > "$work/llama.log" 2>&1 || { cat "$work/llama.log" >&2; return 1; }; }
fail=0
for fx in src/test/resources/fixtures/*/; do
    name="$(basename "$fx")"
    ./jamba convert "$fx/hf" --to gguf --type F32 --out "$work/$name.gguf" --no-simd-check
    ref "$work/$name.gguf" "$fx/ref/prompt.json" "$work/$name-llama" --gen 32
    node scripts/compare-logprobs.mjs "$work/$name-llama" "$fx/ref" 1e-4 || fail=1
done

fx=src/test/resources/fixtures/A-tiny-dense
./jamba convert "$fx/hf" --to gguf --type Q8_0 --out "$work/A-q8_0.gguf" --no-simd-check
ref "$work/A-q8_0.gguf" "$fx/ref/prompt.json" "$work/A-q8-llama" --gen 32
node scripts/compare-logprobs.mjs "$work/A-q8-llama" "$fx/ref-q8_0" 0.05 || fail=1

./jamba convert "$fx/hf" --to gguf --type Q4_0 --out "$work/A-q4_0.gguf" --no-simd-check
ref "$work/A-q4_0.gguf" "$fx/ref/prompt.json" "$work/A-q4-llama" --gen 32
./jamba logits --model "$work/A-q4_0.gguf" --ids "$fx/ref/prompt.json" --out "$work/A-q4-jamba" --greedy 32 --no-simd-check
node scripts/compare-logprobs.mjs "$work/A-q4-jamba" "$work/A-q4-llama" 0.05 || fail=1

if [ "$fail" != 0 ]; then
    echo "interop: FAILED" >&2
    exit 1
fi
echo "interop: all llama.cpp checks passed"
