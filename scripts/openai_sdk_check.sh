#!/usr/bin/env bash
# The official openai Python SDK (sync, async, streaming, legacy completions, embeddings) against
# `arbiter serve` (issue 17; not run in CI). Makes a venv with the pinned SDK when missing, starts
# a server for smollm2-135m with minilm-l6-v2 embeddings on a free port, runs
# scripts/openai_sdk_check.py and stops the server. Usage: scripts/openai_sdk_check.sh [ARBITER [VENV]]
set -euo pipefail
cd "$(dirname "$0")/.."
arbiter=${1:-.build/release/arbiter}
venv=${2:-/work/venv-openai}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q openai==1.109.1
fi
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$arbiter" serve --model smollm2-135m --embeddings minilm-l6-v2 --port "$port" &
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
"$venv/bin/python" scripts/openai_sdk_check.py "http://127.0.0.1:$port"
