#!/usr/bin/env bash
# Seconds per GRPO step, Arbiter vs TRL 1.9.0's GRPOTrainer, in one run on this machine (issue 16):
# SmolLM2-135M-Instruct (the same GGUF, fp32), 8 prompts × G = 8, 64 new tokens, β = 0, μ = 1, full
# fine-tuning, exact-match reward on Examples/grpo/arithmetic-train.jsonl, micro-batches of 8.
# Arbiter: Benchmarks/grpo/step.yaml (4 steps; the first is a warm-up). TRL:
# Benchmarks/peers/trl_grpo_step.py (1 warm-up + 3 timed steps). Needs a release build and the venv of
# Benchmarks/peers/README.md. Usage: Benchmarks/scripts/grpo_step.sh [PYTHON [TRL script options…]]
# (e.g. `… /work/venv-peers/bin/python --warmup 1 --steps 2` for a shorter TRL run).
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${1:-/work/venv-peers/bin/python}
echo "machine: $(nproc) cores, $(uname -m); load: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf runs/bench-grpo-step
.build/release/arbiter grpo --config Benchmarks/grpo/step.yaml >/dev/null
python3 - <<'PY'
import json
rows = [json.loads(l) for l in open("runs/bench-grpo-step/throughput.jsonl")]
timed = [r["seconds"] for r in rows[1:]]
print(json.dumps({"arbiter_step_seconds": [r["seconds"] for r in rows],
                  "arbiter_seconds_per_step": sum(timed) / len(timed)}))
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" Benchmarks/peers/trl_grpo_step.py --threads "$(nproc)" --data Examples/grpo/arithmetic-train.jsonl "${@:2}"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
