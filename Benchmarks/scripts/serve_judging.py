#!/usr/bin/env python3
"""Probability-weighted judging over HTTP: `arbiter serve` vs llama.cpp's `llama-server` (issue 17).

Standard library only. Two modes:
  capture PORT OUT   a stand-in OpenAI server that records the chat-completion bodies `arbiter judge
                     --probability-weighted` sends (the rubric prompt, the assistant turn "[RESULT] ",
                     max_tokens 1, logprobs with top_logprobs 20) and answers each with a valid
                     one-token verdict; it stops after --count requests.
  replay URL BODIES  sends the recorded bodies to a server at concurrencies 1, 8 and 32 (each body
                     once per concurrency, in order), and prints one JSON line per concurrency:
                     requests/s, p50/p90/p99 latency in ms, failures, and the mean expected score
                     (Σ p(k)·k over the scale digits among the top-20 alternatives, renormalised) so two
                     servers' judgments can be compared.
"""
import argparse
import http.server
import json
import math
import statistics
import sys
import threading
import time
import urllib.request


def capture(port: int, out: str, count: int) -> None:
    bodies = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            bodies.append(body)
            answer = {
                "id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "3"}, "finish_reason": "stop",
                             "logprobs": {"content": [{"token": "3", "logprob": -0.1, "bytes": [51], "top_logprobs": [
                                 {"token": str(k), "logprob": -0.1 if k == 3 else -3.0, "bytes": [48 + k]}
                                 for k in range(1, 6)]}]}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if len(bodies) >= count:
                threading.Thread(target=server.shutdown).start()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()
    with open(out, "w") as fh:
        for body in bodies:
            fh.write(json.dumps(body) + "\n")
    print(f"captured {len(bodies)} request bodies in {out}", file=sys.stderr)


def expected_score(answer: dict) -> float:
    top = answer["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    mass = {}
    for alt in top:
        token = alt["token"].strip()
        if token in {"1", "2", "3", "4", "5"} and token not in mass:
            mass[token] = math.exp(alt["logprob"])
    total = sum(mass.values())
    return sum(int(k) * p for k, p in mass.items()) / total if total > 0 else float("nan")


def replay(url: str, bodies_path: str, model: str, concurrencies: list[int]) -> None:
    bodies = [json.loads(line) for line in open(bodies_path)]
    endpoint = url.rstrip("/") + "/v1/chat/completions"
    for c in concurrencies:
        lock, latencies, scores, failures, index = threading.Lock(), [], [None] * len(bodies), [0], [0]

        def worker():
            while True:
                with lock:
                    i = index[0]
                    if i >= len(bodies):
                        return
                    index[0] += 1
                body = dict(bodies[i], model=model)
                start = time.perf_counter()
                try:
                    request = urllib.request.Request(endpoint, data=json.dumps(body).encode(),
                                                     headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=600) as response:
                        answer = json.loads(response.read())
                    score = expected_score(answer)
                    with lock:
                        latencies.append(time.perf_counter() - start)
                        scores[i] = score
                except Exception as error:  # noqa: BLE001 (counted and reported)
                    with lock:
                        failures[0] += 1
                    print(f"request {i} failed: {error}", file=sys.stderr)

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(c)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        ms = sorted(x * 1000 for x in latencies)
        pct = lambda p: round(ms[min(len(ms) - 1, int(p * len(ms)))], 1) if ms else None  # noqa: E731
        valid = [s for s in scores if s is not None and not math.isnan(s)]
        print(json.dumps({
            "url": url, "concurrency": c, "requests": len(bodies), "failures": failures[0],
            "wall_seconds": round(wall, 2), "requests_per_second": round(len(bodies) / wall, 2),
            "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
            "mean_expected_score": round(statistics.fmean(valid), 4) if valid else None,
            "scores": [None if s is None else round(s, 4) for s in scores],
        }), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("port", type=int)
    cap.add_argument("out")
    cap.add_argument("--count", type=int, default=40)
    rep = sub.add_parser("replay")
    rep.add_argument("url")
    rep.add_argument("bodies")
    rep.add_argument("--model", default="smollm2-135m")
    rep.add_argument("--concurrency", default="1,8,32")
    args = ap.parse_args()
    if args.mode == "capture":
        capture(args.port, args.out, args.count)
    else:
        replay(args.url, args.bodies, args.model, [int(c) for c in args.concurrency.split(",")])


if __name__ == "__main__":
    main()
