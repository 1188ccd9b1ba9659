#!/usr/bin/env python3
"""Synthetic 1-2 digit arithmetic for the GRPO examples (stdlib only, deterministic).

Writes arithmetic-train.jsonl (2000 problems) and arithmetic-heldout.jsonl (200 problems, disjoint
from the training set), one {"prompt", "answer"} object a line. Operands are 0-99; operations are
+, - and x (x with one operand below 10, so answers stay short). Usage: python3 make_arithmetic.py
"""
import json
import random
from pathlib import Path


def problem(rng):
    op = rng.choice("+-x")
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    if op == "x":
        b = rng.randint(0, 9)
        return f"{a} x {b}", a * b
    if op == "-":
        return f"{a} - {b}", a - b
    return f"{a} + {b}", a + b


def main():
    rng = random.Random(20261207)
    seen, rows = set(), []
    while len(rows) < 2200:
        text, answer = problem(rng)
        if text in seen:
            continue
        seen.add(text)
        rows.append({"prompt": f"What is {text}? Reply with the number only.", "answer": str(answer)})
    here = Path(__file__).resolve().parent
    for name, part in (("arithmetic-heldout.jsonl", rows[:200]), ("arithmetic-train.jsonl", rows[200:])):
        with open(here / name, "w") as f:
            for row in part:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
