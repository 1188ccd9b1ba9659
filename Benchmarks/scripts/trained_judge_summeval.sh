#!/usr/bin/env bash
# trained_judge_summeval.sh: issue 15's pointwise experiment — 5-fold cross-validation of the encoder
# judge (all-MiniLM-L6-v2 frozen + text features, ordinal head) on the bundled SummEval consistency
# slice (80 summaries, 3 expert raters; label = the experts' mean), pooled held-out judgments, then
# the audit against the experts (Spearman, leave-one-expert-out human figure). Usage:
#   Benchmarks/scripts/trained_judge_summeval.sh ARBITER OUT [extra train-judge args]
set -euo pipefail
A=$1; OUT=$2; shift 2
mkdir -p "$OUT"
: > "$OUT/pooled-judgments.jsonl"
for fold in 0 1 2 3 4; do
  "$A" train-judge --rubric Rubrics/summeval-consistency.yaml --samples Data/summeval-consistency/samples.jsonl \
    --labels Data/summeval-consistency/human_labels.jsonl --test-fold $fold --out "$OUT/fold-$fold" \
    --judge-name trained-minilm --seed 0 "$@" 2>"$OUT/fold-$fold.log" | tail -2
  cat "$OUT/fold-$fold/heldout-judgments.jsonl" >> "$OUT/pooled-judgments.jsonl"
done
"$A" audit --human Data/summeval-consistency/human_labels.jsonl --judge "$OUT/pooled-judgments.jsonl" \
  --samples Data/summeval-consistency/samples.jsonl --markdown "$OUT/audit.md" --json "$OUT/audit.json"
