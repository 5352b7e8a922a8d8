# Sourced by the scripts that run llama.cpp: installs llama.cpp (prebuilt, in the npm package node-llama-cpp) once
# into $JAMBA4J_LLAMA_DIR (default .cache/llama, git-ignored) and exports NODE_PATH so that node finds it.
# Expects $root (the repository root).
llama_dir="${JAMBA4J_LLAMA_DIR:-$root/.cache/llama}"
if [ ! -f "$llama_dir/node_modules/node-llama-cpp/package.json" ]; then
    echo "$(basename "$0"): installing node-llama-cpp@3.22.1 into $llama_dir" >&2
    npm install --prefix "$llama_dir" --no-audit --no-fund --loglevel=error node-llama-cpp@3.22.1 >&2
fi
export NODE_PATH="$llama_dir/node_modules"
