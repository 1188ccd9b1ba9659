#!/usr/bin/env bash
# OpenRLHF's request shapes (agent executor, a batch split across replicas) and verl's
# compute_score against two `arbiter serve --reward` replicas (issue 17; not run in CI): starts two
# servers of a numeric-match reward on free ports, runs scripts/openrlhf_verl_requests.py, stops
# them. Usage: scripts/openrlhf_verl_requests.sh [ARBITER]
set -euo pipefail
cd "$(dirname "$0")/.."
arbiter=${1:-.build/release/arbiter}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'rewards: [{name: correct, verifier: numeric-match, reference_field: answer}]\n' >"$work/reward.yaml"
urls=()
for _ in 1 2; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$arbiter" serve --reward "$work/reward.yaml" --port "$port" >>"$work/server.log" 2>&1 &
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
    urls+=("http://127.0.0.1:$port")
done
python3 scripts/openrlhf_verl_requests.py "${urls[@]}"
