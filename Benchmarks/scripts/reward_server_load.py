#!/usr/bin/env python3
"""Load test for `arbiter serve --reward` (issue 17), standard library only.

Starts nothing: point it at a running reward server. Sends N OpenRLHF-shaped requests
({"query", "prompts", "labels"}, one completion each, as OpenRLHF's agent executor sends them)
from C threads, each request retried on connection errors, 429 and 5xx (exponential backoff) as
clients/python/arbiter_reward.py does, and checks every answer: a reward that equals the expected
exact-match value (1.0 when the completion equals its label) or a typed error. Prints one JSON
line: requests, concurrency, ok, typed errors, lost (no answer after the retries), wrong rewards,
retries, completions answered from the server's judgment cache (`<name>/cached` in extra_logs),
distinct completions sent, wall seconds, requests/s, p50/p90/p99/max latency in ms.

Usage: python3 Benchmarks/scripts/reward_server_load.py URL [--requests 10000] [--concurrency 32]
       [--batch 1] [--seed 0] [--check exact|unit]
--check unit accepts any reward in [0, 1], for a judge reward (e.g. `judge: trained:DIR` with
`score_range`); the prompts are then arithmetic questions the judge scores as text.
The server's reward file should be `rewards: [{name: exact, verifier: exact-match,
reference_field: answer}]` (Benchmarks/scripts/reward_server_load.sh starts one).
"""
import argparse
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--batch", type=int, default=1, help="completions per request")
    ap.add_argument("--retries", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", choices=["exact", "unit"], default="exact",
                    help="exact: rewards must be the exact-match values; unit: any reward in [0, 1] (a judge)")
    args = ap.parse_args()
    url = args.url.rstrip("/") + ("" if args.url.rstrip("/").endswith("/get_reward") else "/get_reward")

    lock = threading.Lock()
    next_index = [0]
    latencies, outcomes = [], {"ok": 0, "typed_error": 0, "lost": 0, "wrong": 0, "retries": 0, "cached": 0}
    sent = set()

    def one(index: int) -> None:
        rng = random.Random(args.seed * 1_000_003 + index)
        prompts, queries, labels, expected = [], [], [], []
        for _ in range(args.batch):
            a, b = rng.randint(0, 99), rng.randint(0, 99)
            prompt = f"<|im_start|>user\nWhat is {a} + {b}?<|im_end|>\n<|im_start|>assistant\n"
            answer = str(a + b)
            completion = answer if rng.random() < 0.5 else str(a + b + rng.randint(1, 9))
            prompts.append(prompt)
            queries.append(prompt + completion)
            labels.append(answer)
            expected.append(1.0 if completion == answer else 0.0)
        with lock:
            sent.update(zip(prompts, queries, labels))
        body = json.dumps({"query": queries, "prompts": prompts, "labels": labels}).encode()
        delay, start = 0.05, time.perf_counter()
        for attempt in range(args.retries + 1):
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = json.loads(response.read())
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    rewards = answer.get("rewards")
                    if args.check == "exact":
                        good = rewards == expected
                    else:
                        good = isinstance(rewards, list) and len(rewards) == len(expected) and all(
                            isinstance(r, (int, float)) and 0 <= r <= 1 for r in rewards)
                    outcomes["ok" if good else "wrong"] += 1
                    outcomes["retries"] += attempt
                    for key, flags in (answer.get("extra_logs") or {}).items():
                        if key.endswith("/cached"):
                            outcomes["cached"] += int(sum(flags))
                return
            except urllib.error.HTTPError as error:
                retryable = error.code == 429 or error.code >= 500
                if not retryable:
                    typed = "error" in json.loads(error.read() or b"{}")
                    with lock:
                        outcomes["typed_error" if typed else "wrong"] += 1
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        with lock:
            outcomes["lost"] += 1

    def worker() -> None:
        while True:
            with lock:
                index = next_index[0]
                if index >= args.requests:
                    return
                next_index[0] += 1
            one(index)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 2) if ms else float("nan")

    print(json.dumps({
        "requests": args.requests, "concurrency": args.concurrency, "batch": args.batch,
        "distinct_completions": len(sent), **outcomes,
        "wall_seconds": round(wall, 2), "requests_per_second": round(args.requests / wall, 1),
        "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99), "max_ms": round(ms[-1], 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }))
    sys.exit(0 if outcomes["lost"] == 0 and outcomes["wrong"] == 0 else 1)


if __name__ == "__main__":
    main()
