#!/usr/bin/env bash
# Reward-server load test (issue 17): starts `arbiter serve --reward` on a free port, runs
# Benchmarks/scripts/reward_server_load.py against it (default 10,000 requests at concurrency 32),
# then SIGKILLs the server in the middle of a second run and restarts it, so the clients' retries
# have to carry them across the restart; prints the runs' JSON lines and /metrics request counts.
# The reward is an exact-match verifier, or with JUDGE=DIR a trained judge (`judge: trained:DIR`,
# score_range [1, 5]) served with `--cache` (a SQLite judgment store): then a third run repeats the
# killed run's requests (all must come from the cache), and the store is checked for judgments
# recorded twice (its AUTOINCREMENT seq exceeds its row count when a key was replaced).
# Usage: [JUDGE=DIR] Benchmarks/scripts/reward_server_load.sh [ARBITER [N [C]]]
set -euo pipefail
cd "$(dirname "$0")/../.."
arbiter=${1:-.build/release/arbiter}
requests=${2:-10000}
concurrency=${3:-32}
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
check=exact
cache=()
if [ -n "${JUDGE:-}" ]; then
    judge=$(cd "$JUDGE" && pwd)
    printf 'rewards: [{name: judge, judge: "trained:%s", score_range: [1, 5]}]\n' "$judge" >"$work/reward.yaml"
    check=unit
    cache=(--cache "$work/cache.sqlite")
else
    printf 'rewards: [{name: exact, verifier: exact-match, reference_field: answer, weight: 1.0}]\n' >"$work/reward.yaml"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_server() {
    "$arbiter" serve --reward "$work/reward.yaml" --port "$port" "${cache[@]}" >>"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
    echo "server did not start" >&2
    cat "$work/server.log" >&2
    exit 1
}
load() {
    python3 Benchmarks/scripts/reward_server_load.py "http://127.0.0.1:$port" --requests "$requests" \
        --concurrency "$concurrency" --check "$check" "$@"
}
echo "machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
start_server
load
curl -s "http://127.0.0.1:$port/metrics" | grep '^arbiter_http_requests_total'
# The same again with new completions, the server killed (SIGKILL) after 2 s and restarted 1 s later.
load --seed 1 &
client=$!
sleep 2
kill -9 "$server"
echo "killed the server (SIGKILL) during the second run"
sleep 1
start_server
wait "$client"
if [ -n "${JUDGE:-}" ]; then
    echo "third run: the second run's requests again (every completion should come from the cache)"
    load --seed 1
    python3 - "$work/cache.sqlite" <<'PY'
import sqlite3, sys
rows, top = sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*), MAX(seq) FROM judgments").fetchone()
print(f"judgment store: {rows} judgments, highest seq {top}:",
      "nothing judged twice" if rows == top else f"{top - rows} judgments replaced (judged again)")
PY
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
