#!/usr/bin/env bash
# trained_judges.sh: issue 15's pairwise experiments — train the encoder judge (all-MiniLM-L6-v2,
# frozen, + text features; Davidson ties) on PandaLM (human majority, and gpt-3.5-turbo's verdicts),
# Auto-J and HHH, hold out fold 0 of 5 (split by id, and by prompt group), and audit the held-out
# judgments against the human labels beside the peers (Benchmarks/peers/pairwise_baselines.py
# writes theirs with the same split rule). Usage:
#   Benchmarks/scripts/trained_judges.sh ARBITER DATA OUT [PEERS_OUT]
# ARBITER: a release build of arbiter; DATA: ../shared/data; OUT: a scratch folder.
set -euo pipefail
A=$1; DATA=$2; OUT=$3; PEERS=${4:-}
RUBRIC=Rubrics/pairwise-preference.yaml
COMMON=(--epochs 30 --lr 1e-2 --patience 6 --seed 0 --test-fold 0)
run() {  # name dataset split [extra args]
  local name=$1 ds=$2 split=$3; shift 3
  local dir="$OUT/$name-$split"
  echo "== $name ($split)"
  "$A" train-judge --rubric "$RUBRIC" --samples "$DATA/$ds/samples.jsonl" --split-by "$split" \
    --out "$dir" --judge-name "trained-minilm" "${COMMON[@]}" "$@" 2>"$dir.log" | tail -4
}
for split in id prompt; do
  run pandalm-human pandalm $split --labels "$DATA/pandalm/human_labels.jsonl"
  run pandalm-gpt35 pandalm $split --labels "$DATA/pandalm/judge_labels.jsonl" --label-source gpt-3.5-turbo
  run autoj autoj $split --labels "$DATA/autoj/human_labels.jsonl"
  run hhh hhh $split --labels "$DATA/hhh/human_labels.jsonl"
done
