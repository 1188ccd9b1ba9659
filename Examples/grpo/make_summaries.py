#!/usr/bin/env python3
"""Summarisation prompts for GRPO example 3 (stdlib only, deterministic).

Reads the bundled SummEval slice (Data/summeval-consistency/samples.jsonl: 80 CNN/DailyMail
articles; licence and origin in Data/summeval-consistency/README.md) and writes, next to this file,
summarize-train.jsonl (64 articles) and summarize-heldout.jsonl (the other 16, by sorted id), one
{"prompt", "article"} object a line. Each prompt asks for a one-sentence summary of the article's
first 150 words (the excerpt keeps the policy's forward short on 2 cores). Usage:
python3 Examples/grpo/make_summaries.py
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent / "Data" / "summeval-consistency" / "samples.jsonl"
WORDS = 150


def main() -> None:
    rows = sorted((json.loads(line) for line in SOURCE.open(encoding="utf-8") if line.strip()), key=lambda r: r["id"])
    out = []
    for r in rows:
        excerpt = " ".join(r["prompt"].split()[:WORDS])
        out.append({"prompt": "Summarize this news article in one sentence.\n\n" + excerpt, "article": excerpt})
    for name, part in (("summarize-train.jsonl", out[:64]), ("summarize-heldout.jsonl", out[64:])):
        with (HERE / name).open("w", encoding="utf-8") as f:
            for row in part:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(part)} prompts")


if __name__ == "__main__":
    main()
