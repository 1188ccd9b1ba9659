#!/usr/bin/env bash
# Seconds per GRPO step, Arbiter vs TRL 1.9.0's GRPOTrainer, in one run on this machine (issue 16):
# SmolLM2-135M-Instruct (the same GGUF, fp32), 8 prompts × G = 8, 64 new tokens, β = 0, μ = 1, full
# fine-tuning, exact-match reward on Examples/grpo/arithmetic-train.jsonl, micro-batches of 8.
# Arbiter: Benchmarks/grpo/step.yaml (4 steps; the first is a warm-up), the same without skipping
# zero-advantage rows, and Benchmarks/grpo/step-format.yaml (a reward with some signal). TRL:
# Benchmarks/peers/trl_grpo_step.py (1 warm-up + 3 timed steps). Needs a release build and the venv of
# Benchmarks/peers/README.md. Usage: Benchmarks/scripts/grpo_step.sh [PYTHON [TRL script options…]]
# (e.g. `… /work/venv-peers/bin/python --warmup 1 --steps 2` for a shorter TRL run).
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${1:-/work/venv-peers/bin/python}
echo "machine: $(nproc) cores, $(uname -m); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Arbiter three ways: exact-match reward (default: zero-advantage rows skip the forward/backward),
# the same with every row's forward/backward (skip_zero_advantage_rows: false, TRL's work), and the
# mixed-signal format reward (step-format.yaml).
dense=Benchmarks/grpo/.step-dense.yaml  # beside step.yaml: its paths are relative to it
trap 'rm -f "$dense"' EXIT
sed -e 's|^output_dir: .*|output_dir: ../../runs/bench-grpo-step-dense|' Benchmarks/grpo/step.yaml >"$dense"
echo "skip_zero_advantage_rows: false" >>"$dense"
for run in step:Benchmarks/grpo/step.yaml step-dense:$dense \
    step-format:Benchmarks/grpo/step-format.yaml; do
    name=${run%%:*}
    config=${run#*:}
    rm -rf "runs/bench-grpo-$name"
    .build/release/arbiter grpo --config "$config" >/dev/null
    python3 - "$name" <<'PY'
import json, sys
name = sys.argv[1]
rows = [json.loads(l) for l in open(f"runs/bench-grpo-{name}/throughput.jsonl")]
metrics = [json.loads(l) for l in open(f"runs/bench-grpo-{name}/metrics.jsonl")]
timed = [r["seconds"] for r in rows[1:]]
print(json.dumps({"arbiter": name, "step_seconds": [round(r["seconds"], 2) for r in rows],
                  "seconds_per_step": round(sum(timed) / len(timed), 2),
                  "rollout_seconds": [round(r.get("rollout_seconds", 0), 2) for r in rows],
                  "train_seconds": [round(r.get("train_seconds", 0), 2) for r in rows],
                  "skipped_zero_advantage_frac": [m.get("skipped_zero_advantage_frac") for m in metrics],
                  "reward": [m.get("reward") for m in metrics]}))
PY
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" Benchmarks/peers/trl_grpo_step.py --threads "$(nproc)" --data Examples/grpo/arithmetic-train.jsonl "${@:2}"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
