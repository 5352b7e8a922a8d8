#!/usr/bin/env bash
# Reproduces the bundled default model (models/default, see its README.md model card) from nothing but Debian packages:
#   1. corpus: scripts/build-corpus.sh (python3.11-doc reST sources + fortunes, 540 files, 15 MB)
#   2. tokenizer: byte-fallback BPE, 8,192 pieces, trained on the corpus
#   3. data: token shards with a 2% held-out validation split (4,083,196 train / 76,067 validation tokens)
#   4. training: preset hybrid-1-3-moe (8 layers, attention:Mamba 1:3, 4 experts top-2 every other layer), 2,400 steps
#      of 8 × 256 tokens (4.9 M tokens), AdamW lr 2e-3 (100 warm-up steps, cosine to 10%), seed 1, 2 threads.
#      Interrupted runs continue exactly where their last checkpoint (every 200 steps) left off: just run this again.
#   5. export: the final checkpoint as BF16 safetensors (WORK/export), validation perplexity with 256-token windows.
# Usage: scripts/train-default-model.sh [WORK_DIR (default .cache/default-model)]
# Then: cp WORK/export/* models/default/ (the model card's numbers come from WORK/run/train_log.csv and step 5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="${1:-.cache/default-model}"
mkdir -p "$work"
[ -d "$work/corpus" ] || scripts/build-corpus.sh "$work/corpus"
[ -f "$work/tokenizer/tokenizer.json" ] || ./jamba tokenizer train "$work/corpus" --vocab-size 8192 --out "$work/tokenizer"
[ -f "$work/data/meta.json" ] || ./jamba data prepare "$work/corpus" --tokenizer "$work/tokenizer" --out "$work/data"
resume=()
[ -f "$work/run/latest" ] && resume=(--resume)
./jamba train --preset hybrid-1-3-moe --data "$work/data" --tokenizer "$work/tokenizer" --out "$work/run" \
    --steps 2400 --batch 8 --seq-len 256 --lr 2e-3 --warmup 100 --eval-every 200 --eval-batches 16 --save-every 200 \
    --seed 1 --threads 2 --sample-prompt "The" "${resume[@]}"
./jamba convert "$work/run/checkpoint-2400" --to hf --type BF16 --out "$work/export"
cp "$work/run/loss_curve.png" "$work/run/train_log.csv" "$work/export/"
./jamba eval --model "$work/export" --data "$work/data" --context 256 --max-tokens 1000000
