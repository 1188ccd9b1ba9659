#!/usr/bin/env python3
"""heldout_table.py: agreement with the human label on one held-out set, for several judges side by
side (issue 15's pairwise table). Every judge is scored on the ids of the FIRST judgments file (the
trained judge's held-out fold), so all rows cover the same items; a judge without a verdict on an id
is counted on the rest and its n shows it. Human label: the majority of the raters (no majority: tie).
Agreement with ties, without ties (pairs where either says tie dropped), and a 95% percentile
bootstrap interval for agreement with ties (2000 resamples, numpy default_rng(0), as
Benchmarks/peers/pairwise_baselines.py). Stdlib + numpy.

  heldout_table.py HUMAN_LABELS NAME=FILE[#JUDGE] ...   (FILE: judgments JSONL with "verdict" or "winner")
"""
import json
import sys
from collections import defaultdict

import numpy as np


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def majority(votes):
    for v in ("a", "b", "tie"):
        if votes.count(v) * 2 > len(votes):
            return v
    return "tie"


def main():
    human = defaultdict(list)
    for r in read(sys.argv[1]):
        human[r["id"]].append(r["winner"])
    label = {k: majority(v) for k, v in human.items()}
    judges = []
    for spec in sys.argv[2:]:
        name, rest = spec.split("=", 1)
        path, _, only = rest.partition("#")
        verdicts = {}
        for r in read(path):
            if only and r.get("judge") != only:
                continue
            v = r.get("verdict") or r.get("winner")
            if v:
                verdicts[r["id"]] = v
        judges.append((name, verdicts))
    ids = sorted(i for i in judges[0][1] if i in label)
    print(f"{'judge':32s} {'n':>4s} {'with ties':>9s} {'95% CI':>15s} {'no ties':>8s} {'n':>4s}")
    for name, verdicts in judges:
        items = [i for i in ids if i in verdicts]
        hits = np.array([verdicts[i] == label[i] for i in items], dtype=float)
        rng = np.random.default_rng(0)
        boot = [hits[rng.integers(0, len(hits), len(hits))].mean() for _ in range(2000)]
        lo, hi = np.percentile(boot, [2.5, 97.5])
        nt = [i for i in items if verdicts[i] != "tie" and label[i] != "tie"]
        no_ties = np.mean([verdicts[i] == label[i] for i in nt]) if nt else float("nan")
        print(f"{name:32s} {len(items):4d} {hits.mean():9.3f} [{lo:.3f}, {hi:.3f}] {no_ties:8.3f} {len(nt):4d}")


if __name__ == "__main__":
    main()
