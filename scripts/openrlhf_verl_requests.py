"""OpenRLHF's and verl's calls against `arbiter serve --reward` replicas (issue 17; not run in CI).

Standard library only. Sends what the frameworks send, as their code builds it:
1. OpenRLHF's agent executor: one sample per request, {"query": [prompt + response], "prompts":
   [prompt], "labels": [label]}, reading "rewards", "scores" and "extra_logs".
2. OpenRLHF's remote reward model with several --reward.remote_url servers: the batch cut into
   ceil(n / servers) chunks in server order (the last servers may get empty lists), each chunk
   posted to its server, rewards concatenated and each extra_logs key concatenated.
3. verl's reward manager: compute_score(data_source, solution_str, ground_truth, extra_info) per
   sample, through clients/python/arbiter_reward.py with $ARBITER_REWARD_URL.
All three must give the same rewards as one request to one server. Usage: URL [URL ...]
"""

import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clients", "python"))
urls = [u.rstrip("/") + "/get_reward" for u in sys.argv[1:]]


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


template = "<|im_start|>user\nWhat is {a} + {b}? Answer with the number.<|im_end|>\n<|im_start|>assistant\n"
rows = []
for i in range(11):
    a, b = 3 * i, 7 + i
    prompt = template.format(a=a, b=b)
    response = f"The answer is {a + b + (i % 3 == 0)}.<|im_end|>"
    rows.append((prompt, response, a + b))

whole = post(urls[0], {"query": [p + r for p, r, _ in rows], "prompts": [p for p, _, _ in rows],
                       "labels": [label for _, _, label in rows]})
expected = whole["rewards"]
print("one request, one server:", expected)
assert whole["scores"] == expected and set(whole["extra_logs"]) >= {"correct", "unscored"}

# 1. The agent executor: one sample per request.
single = [post(urls[0], {"query": [p + r], "prompts": [p], "labels": [label]}) for p, r, label in rows]
assert [s["rewards"][0] for s in single] == expected, single
print("agent executor (one sample per request): same rewards")

# 2. A batch split across the servers as OpenRLHF's remote reward model does.
size = (len(rows) + len(urls) - 1) // len(urls)
merged = {"rewards": [], "scores": [], "extra_logs": {}}
for k, url in enumerate(urls):
    chunk = rows[k * size:(k + 1) * size]
    answer = post(url, {"query": [p + r for p, r, _ in chunk], "prompts": [p for p, _, _ in chunk],
                        "labels": [label for _, _, label in chunk]})
    merged["rewards"] += answer["rewards"]
    merged["scores"] += answer["scores"]
    for key, values in answer["extra_logs"].items():
        merged["extra_logs"].setdefault(key, []).extend(values)
assert merged["rewards"] == expected and merged["scores"] == expected, merged
assert merged["extra_logs"]["correct"] == whole["extra_logs"]["correct"]
print(f"split across {len(urls)} servers in chunks of {size}: same rewards and logs")

# 3. verl's compute_score, one sample at a time.
os.environ["ARBITER_REWARD_URL"] = urls[-1].removesuffix("/get_reward")
import arbiter_reward  # noqa: E402  (reads $ARBITER_REWARD_URL)

scores = [arbiter_reward.compute_score("arith", r.removesuffix("<|im_end|>"), label, {"prompt": p})
          for p, r, label in rows]
assert [s["score"] for s in scores] == expected, scores
print("verl compute_score:", scores[0])
print("all three framework paths agree")
