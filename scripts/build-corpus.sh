#!/usr/bin/env bash
# Builds the training corpus from Debian packages (no downloads beyond the Debian archive, nothing committed):
#   python3.11-doc  the Python 3.11 documentation's reStructuredText sources (~12 MB of English technical prose)
#   fortunes        the fortune-mod quotations (UTF-8 variants, ~2 MB)
# Usage: scripts/build-corpus.sh [OUT_DIR]   (default .cache/corpus). Needs root (apt-get) if the packages are missing.
set -euo pipefail
out="${1:-.cache/corpus}"
need=()
[ -d /usr/share/doc/python3.11/html/_sources ] || need+=(python3.11-doc)
[ -d /usr/share/games/fortunes ] || need+=(fortunes)
if [ "${#need[@]}" -gt 0 ]; then
    echo "build-corpus: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
fi
rm -rf "$out"
mkdir -p "$out/python-docs" "$out/fortunes"
out="$(cd "$out" && pwd)"
(cd /usr/share/doc/python3.11/html/_sources && find . -name '*.rst.txt' | LC_ALL=C sort | while read -r f; do
    dest="$out/python-docs/$(echo "${f#./}" | tr '/' '_')"
    cp "$f" "$dest"
done)
for f in /usr/share/games/fortunes/*.u8; do
    cp "$f" "$out/fortunes/$(basename "${f%.u8}").txt"
done
echo "build-corpus: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1) in $out" >&2
