#!/usr/bin/env bash
# Reward-server load test (issue 17): starts `arbiter serve --reward` with an exact-match verifier
# on a free port, runs Benchmarks/scripts/reward_server_load.py against it (default 10,000 requests
# at concurrency 32), then SIGKILLs the server in the middle of a second run and restarts it, so
# the clients' retries have to carry them across the restart; prints both runs' JSON lines and the
# server's /metrics request counts. Usage: Benchmarks/scripts/reward_server_load.sh [ARBITER [N [C]]]
set -euo pipefail
cd "$(dirname "$0")/../.."
arbiter=${1:-.build/release/arbiter}
requests=${2:-10000}
concurrency=${3:-32}
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'rewards: [{name: exact, verifier: exact-match, reference_field: answer, weight: 1.0}]\n' >"$work/reward.yaml"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_server() {
    "$arbiter" serve --reward "$work/reward.yaml" --port "$port" >>"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
    echo "server did not start" >&2
    exit 1
}
echo "machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
start_server
python3 Benchmarks/scripts/reward_server_load.py "http://127.0.0.1:$port" --requests "$requests" \
    --concurrency "$concurrency"
curl -s "http://127.0.0.1:$port/metrics" | grep '^arbiter_http_requests_total'
# The same again, with the server killed (SIGKILL) after 2 s and restarted 1 s later.
python3 Benchmarks/scripts/reward_server_load.py "http://127.0.0.1:$port" --requests "$requests" \
    --concurrency "$concurrency" --seed 1 &
client=$!
sleep 2
kill -9 "$server"
echo "killed the server (SIGKILL) during the second run"
sleep 1
start_server
wait "$client"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
