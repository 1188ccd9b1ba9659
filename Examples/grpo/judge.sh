#!/usr/bin/env bash
# GRPO example 3 end to end (Examples/grpo/judge.yaml): the summarisation prompts, the SummEval
# consistency judge (the README's main job: 5-fold cross-validated ordinal judge on text features),
# its audit as JSON (the trust gate's evidence), then GRPO against fold 0's judge. Everything goes
# under runs/ (git-ignored). Usage: bash Examples/grpo/judge.sh [ARBITER]  (default
# .build/release/arbiter). Rerunning resumes the GRPO run from its last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."
arbiter=${1:-.build/release/arbiter}
data=Data/summeval-consistency
python3 Examples/grpo/make_summaries.py
if [ ! -f runs/summeval-judge/fold-0/config.json ]; then
    "$arbiter" train-judge --rubric Rubrics/summeval-consistency.yaml --samples "$data/samples.jsonl" \
        --labels "$data/human_labels.jsonl" --inputs features --epochs 100 --lr 3e-2 --valid-fraction 0 \
        --cross-validate --out runs/summeval-judge
fi
"$arbiter" audit --human "$data/human_labels.jsonl" --judge runs/summeval-judge/heldout-judgments.jsonl \
    --samples "$data/samples.jsonl" --json runs/summeval-judge/audit.json --force >/dev/null
"$arbiter" grpo --config Examples/grpo/judge.yaml
