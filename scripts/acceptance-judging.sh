#!/usr/bin/env bash
# acceptance-judging.sh: the judging acceptance run, as a new user would do it, on the bundled data:
# validate every shipped rubric; judge 20 SummEval summaries (consistency rubric, probability-
# weighted) and 20 PandaLM pairs (pairwise rubric) on the in-process model and on `arbiter serve`
# through the OpenAI-compatible HTTP backend; compare the two; kill an HTTP job halfway and rerun
# it: nothing lost or repeated. Not a test (it takes minutes in release); prints what it measured.
# (PandaLM has a few pairs with a null response: --skip-invalid records them as failed judgments.)
# Usage: scripts/acceptance-judging.sh [WORKDIR]   (needs `swift build -c release --product arbiter`)
set -euo pipefail
cd "$(dirname "$0")/.."
arbiter=.build/release/arbiter
work=${1:-$(mktemp -d /tmp/arbiter-acceptance.XXXXXX)}
mkdir -p "$work"
port=${ARBITER_ACCEPTANCE_PORT:-18081}
limit=${ARBITER_ACCEPTANCE_LIMIT:-20}
pair_tokens=${ARBITER_ACCEPTANCE_PAIR_TOKENS:-128}
url="http://127.0.0.1:$port/v1"
echo "work folder: $work"

echo "== validate every shipped rubric"
"$arbiter" rubric validate Rubrics/*.yaml Rubrics/examples/*.json Rubrics/examples/*.xml

echo "== serve the default model on $url"
"$arbiter" serve --model smollm2-135m --port "$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$port/v1/models"; echo

summeval=(--rubric Rubrics/summeval-consistency.yaml --input Data/summeval-consistency/samples.jsonl --probability-weighted --limit "$limit")
pandalm=(--rubric Rubrics/pairwise-preference.yaml --input Data/pandalm/samples.jsonl --pairwise --skip-invalid --max-tokens "$pair_tokens" --limit "$limit")

echo "== SummEval consistency, probability-weighted: local, then HTTP"
time "$arbiter" judge "${summeval[@]}" --judge local:smollm2-135m --out "$work/summeval-local.jsonl"
time "$arbiter" judge "${summeval[@]}" --judge "openai:$url#smollm2-135m" --concurrency 1 --out "$work/summeval-http.jsonl"

echo "== kill an HTTP job halfway (SIGKILL), then rerun it"
"$arbiter" judge "${summeval[@]}" --judge "openai:$url#smollm2-135m" --concurrency 1 --db "$work/kill.sqlite" --out "$work/kill.jsonl" > "$work/kill-first.log" 2>&1 &
job=$!
half=$((limit / 2))
while [ "$(wc -l < "$work/kill.jsonl" 2>/dev/null || echo 0)" -lt "$half" ]; do sleep 0.5; done
kill -9 "$job"; wait "$job" 2>/dev/null || true
echo "killed after $(wc -l < "$work/kill.jsonl") judgment line(s)"
"$arbiter" judge "${summeval[@]}" --judge "openai:$url#smollm2-135m" --concurrency 1 --db "$work/kill.sqlite" --out "$work/kill.jsonl" --export "$work/kill-export.jsonl"

echo "== PandaLM pairwise (both orders): local, then HTTP"
time "$arbiter" judge "${pandalm[@]}" --judge local:smollm2-135m --out "$work/pandalm-local.jsonl"
time "$arbiter" judge "${pandalm[@]}" --judge "openai:$url#smollm2-135m" --concurrency 1 --out "$work/pandalm-http.jsonl"

python3 - "$work" "$limit" <<'EOF'
import json, sys
work, limit = sys.argv[1], int(sys.argv[2])
def load(name):
    return [json.loads(l) for l in open(f"{work}/{name}") if l.strip()]
def by_id(rows):
    return {r["id"]: r for r in rows}
local, http = by_id(load("summeval-local.jsonl")), by_id(load("summeval-http.jsonl"))
assert local.keys() == http.keys() and len(local) == limit, (len(local), len(http))
diffs = [abs(local[k]["score"] - http[k]["score"]) for k in local if local[k]["score"] is not None and http[k]["score"] is not None]
failed = [k for k in local if local[k]["score"] is None or http[k]["score"] is None]
print(f"SummEval: {len(diffs)} scored on both backends, {len(failed)} failed on either; max |local - http| = {max(diffs):.3g}")
assert max(diffs) <= 1e-4 and not failed
pl, ph = load("pandalm-local.jsonl"), load("pandalm-http.jsonl")
vl, vh = {r["id"]: r.get("verdict") for r in pl}, {r["id"]: r.get("verdict") for r in ph}
same = sum(vl[k] == vh.get(k) for k in vl)
print(f"PandaLM: {len(vl)} pairs; verdicts equal on both backends for {same}; local verdicts {sorted(set(map(str, vl.values())))}")
assert same == len(vl) >= limit
kill = load("kill.jsonl")
ids = [r["id"] for r in kill]
export = load("kill-export.jsonl")
print(f"kill/rerun: {len(kill)} JSONL lines, {len(set(ids))} distinct ids, {len(export)} exported from the store")
assert len(ids) == len(set(ids)) == limit == len(export)
kb = by_id(kill)
assert all(abs(kb[k]["score"] - http[k]["score"]) <= 1e-4 for k in kb)
print("acceptance: all checks hold")
EOF
