#!/usr/bin/env bash
# setup-llama-server.sh: builds llama.cpp's `llama-server` (the peer of issue 17's serving
# benchmark) from the same source package as setup-peers.sh's llama-bench (llama-cpp-python
# 0.3.36's vendored llama.cpp), CPU-only, Release, GGML_NATIVE=ON, into Benchmarks/.peers/
# (git-ignored; PEERS_DIR overrides). Idempotent. Needs python3 with venv, a C/C++ compiler and
# PyPI (cmake/ninja and the source package); not a benchmark (serve_judging.sh runs it).
set -euo pipefail
LLAMA_CPP_PYTHON_VERSION=0.3.36
CMAKE_VERSION=4.4.4
NINJA_VERSION=1.13.2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="${PEERS_DIR:-$here/../.peers}"
mkdir -p "$peers" && peers="$(cd "$peers" && pwd)"
venv="$peers/venv"
jobs="${PEERS_BUILD_JOBS:-2}"
[ -x "$venv/bin/python" ] || "${PEERS_PYTHON:-python3}" -m venv "$venv"
pip() { "$venv/bin/python" -m pip --disable-pip-version-check "$@"; }
"$venv/bin/python" -c "import cmake, ninja" 2>/dev/null || pip install -q "cmake==$CMAKE_VERSION" "ninja==$NINJA_VERSION"
export PATH="$venv/bin:$PATH"
src="$peers/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION"
if [ ! -f "$src/vendor/llama.cpp/CMakeLists.txt" ]; then
    pip download -q --no-deps --no-binary llama-cpp-python -d "$peers/dl" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
    tar xzf "$peers/dl/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz" -C "$peers"
fi
server="$peers/llama-server-build/bin/llama-server"
if [ ! -x "$server" ]; then
    start=$(date +%s)
    cmake -S "$src/vendor/llama.cpp" -B "$peers/llama-server-build" -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_BLAS=OFF \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_COMMON=ON -DLLAMA_CURL=OFF >/dev/null
    cmake --build "$peers/llama-server-build" --target llama-server -j "$jobs" >/dev/null
    echo "built llama-server in $(( $(date +%s) - start )) s"
fi
"$server" --version 2>&1 | head -2
echo "$server"
