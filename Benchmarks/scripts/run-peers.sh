#!/usr/bin/env bash
# run-peers.sh: issue 4's side-by-side run. Builds ArbiterBench in release, runs its `prefill`,
# `prefill-quantized` (opt-in 8-bit-activation prefill), `decode` and `minilm` suites (which write the prompt ids and texts they used), then, back to back
# on the same inputs and the same thread count, llama.cpp's llama-bench (pp512 / tg128 on the same
# GGUF file), the PyTorch/transformers peer (scripts/peer_llm.py) and the sentence-transformers
# peer (scripts/peer_minilm.py), and prints a Markdown table with the ratios against the goals,
# ready for Benchmarks/RESULTS.md (peers_table.py). Everything a run made is kept in its folder
# (default Benchmarks/.peers/runs/<UTC time>/, or $BENCH_OUT). Not a test.
#
# usage: Benchmarks/scripts/setup-peers.sh && Benchmarks/scripts/run-peers.sh
# env:   BENCH_THREADS (default 2), BENCH_SKIP_BUILD=1 (reuse the release build), PEERS_DIR,
#        BENCH_SIDES (default "arbiter llama pytorch minilm"; a subset with the same BENCH_OUT adds
#        to an earlier run's folder: the Arbiter side must have run first, it writes the inputs),
#        ARBITER_BENCH_GGUF / ARBITER_BENCH_MINILM (model locations; default: Arbiter's model cache).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
peers="$(cd "${PEERS_DIR:-$here/../.peers}" 2>/dev/null && pwd || true)"
py="$peers/venv/bin/python"
llama_bench="$peers/llama-build/bin/llama-bench"
sides=" ${BENCH_SIDES:-arbiter llama pytorch minilm} "
runs() { [[ "$sides" == *" $1 "* ]]; }
if [ -z "$peers" ] || [ ! -x "$py" ] || { runs llama && [ ! -x "$llama_bench" ]; }; then
    echo "run-peers: the peers are not installed; run Benchmarks/scripts/setup-peers.sh first" >&2
    exit 1
fi
threads="${BENCH_THREADS:-2}"
out="${BENCH_OUT:-$peers/runs/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export ARBITER_BLAS_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
export ARBITER_BENCH_INPUTS="$out/inputs" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# On a machine with more cores than $threads, pin every side to the same first $threads cores.
pin=()
if command -v taskset > /dev/null && [ "$(nproc)" -gt "$threads" ]; then pin=(taskset -c "0-$((threads - 1))"); fi
say() { echo "[run-peers $(date -u +%H:%M:%S)] $*" >&2; }

cd "$root"
if runs arbiter && [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    say "building ArbiterBench (release)"
    swift build -c release --product ArbiterBench > "$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
fi
# .build/release is SwiftPM's link to the release products (asking swift-build would wait for its lock).
bench="$root/.build/release/ArbiterBench"
if runs arbiter && [ ! -x "$bench" ]; then echo "run-peers: no $bench; run without BENCH_SKIP_BUILD" >&2; exit 1; fi
{
    echo "date_utc=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
    echo "cores=$(nproc)"
    echo "memory_gib=$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
    echo "threads=$threads"
    echo "arbiter_commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Benchmarks/ArbiterBench || echo '+dirty')"
    echo "arbiter_branch=$(git rev-parse --abbrev-ref HEAD)"
    echo "swift=$(swift --version 2>&1 | head -1)"
    echo "llama_cpp_python=$(sed -n 's/.*llama-cpp-python==\([^,]*\),.*/\1/p' "$peers/installed.txt" 2> /dev/null)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "sides_$(date -u +%H%M%S)=$sides"
} >> "$out/machine.txt"

if runs arbiter; then
    say "Arbiter: prefill prefill-quantized decode minilm"
    "${pin[@]}" "$bench" prefill prefill-quantized decode minilm | tee "$out/arbiter.txt" >&2
fi
gguf="$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["gguf"])' "$out/inputs/prompt.json")"

if runs llama; then
    say "llama.cpp: llama-bench -p 512 -n 128 -t $threads on $gguf"
    "${pin[@]}" "$llama_bench" -m "$gguf" -p 512 -n 128 -t "$threads" -r 3 -o json > "$out/llama-bench.json" 2> "$out/llama-bench.log"
fi
if runs pytorch; then
    say "PyTorch/transformers: peer_llm.py"
    "${pin[@]}" "$py" "$here/peer_llm.py" "$out/inputs/prompt.json" "$out/inputs/decode-prompt.json" --threads "$threads" \
        > "$out/pytorch.json" 2> "$out/pytorch.log"
fi
if runs minilm; then
    say "sentence-transformers: peer_minilm.py"
    "${pin[@]}" "$py" "$here/peer_minilm.py" "$out/inputs/minilm-sentences.json" --threads "$threads" \
        > "$out/minilm-peer.json" 2> "$out/minilm-peer.log"
fi
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
cp "$peers/installed.txt" "$out/installed.txt" 2> /dev/null || true

"$py" "$here/peers_table.py" "$out" | tee "$out/table.md"
say "all outputs in $out"
