#!/usr/bin/env python3
"""PyTorch/transformers peer for ArbiterBench's `prefill` and `decode` suites (issue 4).

Loads SmolLM2-135M-Instruct in transformers from the SAME GGUF file Arbiter loads (transformers
reads it with the `gguf` package and dequantises every tensor to float32), then on the SAME token
ids that ArbiterBench wrote:
  prefill: one forward pass over the 512-token prompt that builds the KV cache and keeps the last
           position's logits only (logits_to_keep=1), best of --repeats after a warm-up;
  decode:  after the short decode prompt, 128 greedy single-token steps with the KV cache (the
           prompt pass is not timed), best of --decode-repeats after a warm-up.
Prints one JSON object (timings, tokens/s, the greedy ids for the agreement check, versions).
Runs offline (HF_HUB_OFFLINE=1): nothing is fetched. Not a test.

usage: peer_llm.py PROMPT.json DECODE_PROMPT.json [--threads 2] [--repeats 3] [--decode-repeats 2]
needs: the venv made by Benchmarks/scripts/setup-peers.sh (torch, transformers, gguf)
"""
import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from importlib.metadata import version  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402


def best_of(repeats, body):
    """(fastest seconds, last result) of `repeats` timed runs after one warm-up run."""
    result = body()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = body()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("prompt")
    ap.add_argument("decode_prompt")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--decode-repeats", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    prompt = json.loads(Path(args.prompt).read_text())
    decode_prompt = json.loads(Path(args.decode_prompt).read_text())
    gguf = Path(prompt["gguf"])

    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    model.eval()
    load_seconds = time.perf_counter() - t0

    ids = torch.tensor([prompt["token_ids"]], dtype=torch.long)  # (1, 512)

    def prefill():
        with torch.inference_mode():
            out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
        return int(out.logits[0, -1].argmax())

    prefill_seconds, first = best_of(args.repeats, prefill)

    steps = int(decode_prompt.get("decode_tokens", 128))
    short = torch.tensor([decode_prompt["token_ids"]], dtype=torch.long)  # (1, 16)

    def decode():
        with torch.inference_mode():
            out = model(input_ids=short, use_cache=True, logits_to_keep=1)
            past = out.past_key_values
            token = out.logits[0, -1].argmax()
            generated = [int(token)]
            t0 = time.perf_counter()
            for _ in range(steps):
                out = model(input_ids=token.view(1, 1), past_key_values=past, use_cache=True)
                past = out.past_key_values
                token = out.logits[0, -1].argmax()
                generated.append(int(token))
            return time.perf_counter() - t0, generated

    decode()  # warm-up
    runs = [decode() for _ in range(args.decode_repeats)]
    decode_seconds = min(r[0] for r in runs)
    n = len(prompt["token_ids"])
    print(json.dumps({
        "side": "pytorch",
        "prefill": {"tokens": n, "seconds": prefill_seconds, "tokens_per_second": n / prefill_seconds,
                    "first_token": [first], "repeats": args.repeats},
        "decode": {"prompt_tokens": short.shape[1], "tokens": steps, "seconds": decode_seconds,
                   "tokens_per_second": steps / decode_seconds, "generated": runs[-1][1],
                   "repeats": args.decode_repeats},
        "load_seconds": load_seconds, "threads": torch.get_num_threads(), "dtype": str(next(model.parameters()).dtype),
        "gguf": str(gguf), "torch_version": torch.__version__, "transformers_version": transformers.__version__,
        "gguf_version": version("gguf"),
    }))


if __name__ == "__main__":
    main()
