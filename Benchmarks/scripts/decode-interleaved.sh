#!/usr/bin/env bash
# decode-interleaved.sh: decode tokens/s of Arbiter and llama.cpp measured alternately, ROUNDS times
# (default 3), keeping each side's best. On a machine whose speed drifts minute to minute (shared
# VMs), back-to-back single runs can favour either side; interleaving gives both the same chances.
# Needs the peers from setup-peers.sh and a release ArbiterBench (run-peers.sh builds it).
# usage: Benchmarks/scripts/decode-interleaved.sh      env: ROUNDS, BENCH_THREADS (2), PEERS_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
peers="$(cd "${PEERS_DIR:-$here/../.peers}" && pwd)"
threads="${BENCH_THREADS:-2}"
model="${ARBITER_BENCH_GGUF:-$(ls "${ARBITER_HOME:-$HOME/.cache/arbiter}"/models/smollm2-135m/*.gguf | head -1)}"
export ARBITER_BLAS_THREADS="$threads"
best_llama=0; best_arbiter=0
for round in $(seq "${ROUNDS:-3}"); do
    llama=$("$peers/llama-build/bin/llama-bench" -m "$model" -p 0 -n 128 -t "$threads" -r 2 -o csv 2>/dev/null | tail -1 | awk -F, '{print $(NF-1)}' | tr -d '"')
    arbiter=$(ARBITER_BENCH_DECODE_REPEATS=2 "$root/.build/release/ArbiterBench" decode 2>&1 | sed -n 's/^decode:.*= \([0-9.]*\) tokens\/s.*/\1/p')
    echo "round $round: llama.cpp tg128 $llama tokens/s, Arbiter decode $arbiter tokens/s"
    best_llama=$(python3 -c "print(max($best_llama, $llama))"); best_arbiter=$(python3 -c "print(max($best_arbiter, $arbiter))")
done
python3 -c "print(f'best of ${ROUNDS:-3}: llama.cpp {$best_llama:.1f}, Arbiter {$best_arbiter:.1f} tokens/s = {$best_arbiter / $best_llama:.2f}x')"
