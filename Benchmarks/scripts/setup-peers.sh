#!/usr/bin/env bash
# setup-peers.sh: installs the two peers that issue 4's benchmarks compare Arbiter with, into
# Benchmarks/.peers/ (git-ignored; override with PEERS_DIR). Idempotent: every step is skipped when
# its output is already there, so a second run only re-checks and re-logs.
#   1. a python venv (PEERS_PYTHON, default python3) with pinned cmake + ninja (this machine has
#      neither);
#   2. llama.cpp as vendored in the llama-cpp-python source package (`pip download --no-binary`),
#      built CPU-only, Release, -DGGML_NATIVE=ON; the tool used is llama-bench;
#   3. PyTorch (CPU use of PyPI's default Linux wheel: the PyPI wheel links the CUDA runtime
#      libraries, so its nvidia-* dependencies must be installed too for `import torch` to work;
#      no CPU-only wheel exists on PyPI), transformers, gguf and sentence-transformers.
# Every version is pinned below; the full installed set is written to .peers/installed.txt.
# Not a benchmark: run-peers.sh runs them. Needs: python3 >= 3.10 with venv, a C/C++ compiler,
# network access to PyPI only (no model hub: the models are local files).
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36
TORCH_VERSION=2.15.0
TRANSFORMERS_VERSION=5.23.0
GGUF_VERSION=0.19.0
SENTENCE_TRANSFORMERS_VERSION=6.2.0
ACCELERATE_VERSION=1.15.0  # transformers requires it to load a GGUF file
NUMPY_VERSION=2.4.6
CMAKE_VERSION=4.4.4
NINJA_VERSION=1.13.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="${PEERS_DIR:-$here/../.peers}"
mkdir -p "$peers"
peers="$(cd "$peers" && pwd)"
venv="$peers/venv"
log="$peers/setup.log"
jobs="${PEERS_BUILD_JOBS:-2}"
say() { echo "[setup-peers $(date -u +%H:%M:%S)] $*" | tee -a "$log"; }

# 1. venv + build tools
if [ ! -x "$venv/bin/python" ]; then
    say "creating venv $venv"
    "${PEERS_PYTHON:-python3}" -m venv "$venv"
fi
pip() { "$venv/bin/python" -m pip --disable-pip-version-check "$@"; }
if ! "$venv/bin/python" -c "import cmake, ninja" 2>/dev/null; then
    say "installing cmake==$CMAKE_VERSION ninja==$NINJA_VERSION"
    pip install -q "cmake==$CMAKE_VERSION" "ninja==$NINJA_VERSION"
fi
export PATH="$venv/bin:$PATH"

# 2. llama.cpp from the llama-cpp-python sdist
src="$peers/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION"
sdist="$peers/dl/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
if [ ! -f "$src/vendor/llama.cpp/CMakeLists.txt" ]; then
    if [ ! -f "$sdist" ]; then
        say "downloading the llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION source package"
        start=$(date +%s)
        # --no-binary for this package only: `:all:` would also build cmake itself from source.
        pip download -q --no-deps --no-binary llama-cpp-python -d "$peers/dl" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
        say "  $(du -h "$sdist" | cut -f1) in $(( $(date +%s) - start )) s"
    fi
    say "unpacking $sdist"
    tar xzf "$sdist" -C "$peers"
fi
bench="$peers/llama-build/bin/llama-bench"
if [ ! -x "$bench" ]; then
    say "building llama-bench (Release, CPU, GGML_NATIVE=ON, -j$jobs)"
    start=$(date +%s)
    cmake -S "$src/vendor/llama.cpp" -B "$peers/llama-build" -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_BLAS=OFF \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
        -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_COMMON=ON >> "$log" 2>&1
    cmake --build "$peers/llama-build" --target llama-bench -j "$jobs" >> "$log" 2>&1
    say "  built in $(( $(date +%s) - start )) s"
fi
"$bench" --help > /dev/null

# 3. PyTorch + transformers + gguf + sentence-transformers (+ accelerate)
if ! "$venv/bin/python" - <<PY 2>/dev/null
from importlib.metadata import version
want = {"torch": "$TORCH_VERSION", "transformers": "$TRANSFORMERS_VERSION", "gguf": "$GGUF_VERSION",
        "sentence-transformers": "$SENTENCE_TRANSFORMERS_VERSION", "numpy": "$NUMPY_VERSION",
        "accelerate": "$ACCELERATE_VERSION"}
assert all(version(k) == v for k, v in want.items())
import torch, transformers, gguf, sentence_transformers, accelerate
PY
then
    say "installing torch==$TORCH_VERSION transformers==$TRANSFORMERS_VERSION gguf==$GGUF_VERSION sentence-transformers==$SENTENCE_TRANSFORMERS_VERSION numpy==$NUMPY_VERSION accelerate==$ACCELERATE_VERSION (with dependencies)"
    start=$(date +%s)
    before=$(du -sm "$venv" | cut -f1)
    pip install -q "torch==$TORCH_VERSION" "transformers==$TRANSFORMERS_VERSION" "gguf==$GGUF_VERSION" \
        "sentence-transformers==$SENTENCE_TRANSFORMERS_VERSION" "numpy==$NUMPY_VERSION" "accelerate==$ACCELERATE_VERSION"
    say "  installed in $(( $(date +%s) - start )) s; venv grew by $(( $(du -sm "$venv" | cut -f1) - before )) MB"
fi

pip freeze > "$peers/installed.txt"
{
    echo "llama.cpp: vendored in llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION, $("$bench" --version 2>&1 | head -1)"
    echo "compiler: $(c++ --version | head -1)"
} >> "$peers/installed.txt"
say "ready: $venv/bin/python, $bench; installed set in $peers/installed.txt:"
tee -a "$log" < "$peers/installed.txt"
