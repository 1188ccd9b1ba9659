#!/usr/bin/env python3
"""sentence-transformers peer for ArbiterBench's `minilm` suite (issue 4).

Loads all-MiniLM-L6-v2 with sentence-transformers from the SAME local model folder Arbiter uses
(named in the JSON file ArbiterBench wrote) and encodes the SAME texts with the same batch size
on CPU float32, best of --repeats after a warm-up. Prints one JSON object: sentences/s, the first
embedding's leading values (to check both sides computed the same thing), versions. Runs offline
(HF_HUB_OFFLINE=1). Not a test.

usage: peer_minilm.py MINILM_SENTENCES.json [--threads 2] [--repeats 3]
needs: the venv made by Benchmarks/scripts/setup-peers.sh (torch, sentence-transformers)
"""
import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sentence_transformers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    spec = json.loads(Path(args.inputs).read_text())
    sentences, batch = spec["sentences"], int(spec["batch_size"])
    model = SentenceTransformer(spec["model_dir"], device="cpu", local_files_only=True)

    def encode():
        return model.encode(sentences, batch_size=batch, convert_to_numpy=True, show_progress_bar=False)

    embeddings = encode()  # warm-up
    best = float("inf")
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        embeddings = encode()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        "side": "sentence-transformers",
        "minilm": {"sentences": len(sentences), "batch_size": batch, "seconds": best,
                   "sentences_per_second": len(sentences) / best,
                   "first_embedding_head": [float(x) for x in embeddings[0][:8]], "repeats": args.repeats,
                   "max_seq_length": model.max_seq_length},
        "threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "transformers_version": transformers.__version__,
        "sentence_transformers_version": sentence_transformers.__version__,
    }))


if __name__ == "__main__":
    main()
