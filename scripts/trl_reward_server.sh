#!/usr/bin/env bash
# TRL's GRPOTrainer rewarded by `arbiter serve --reward` (issue 17; not run in CI). Makes the pinned
# peer venv when it is missing (Benchmarks/peers/README.md: torch CPU + TRL 1.9.0, ~4.6 GB, PyPI),
# starts a reward server (numeric match of the last number against the "answer" column) on a free port, runs
# scripts/trl_reward_server.py (two GRPOTrainer steps, sync client, then two with the async client)
# and stops the server. Usage: scripts/trl_reward_server.sh [ARBITER [VENV]]
set -euo pipefail
cd "$(dirname "$0")/.."
arbiter=${1:-.build/release/arbiter}
venv=${2:-/work/venv-peers}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --no-deps -r Benchmarks/peers/requirements-peers.txt
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'rewards: [{name: correct, verifier: numeric-match, reference_field: answer, weight: 1.0}]\n' >"$work/reward.yaml"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$arbiter" serve --reward "$work/reward.yaml" --port "$port" &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
"$venv/bin/python" scripts/trl_reward_server.py "http://127.0.0.1:$port"
"$venv/bin/python" scripts/trl_reward_server.py "http://127.0.0.1:$port" --async
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^arbiter_(http_requests_total\{route="/get_reward"|reward_scored)'
