"""The official `openai` Python SDK against `arbiter serve` (issue 17; not run in CI).

Run by scripts/openai_sdk_check.sh with a server serving smollm2-135m and minilm-l6-v2. Checks,
with the SDK's own types: a sync and an async chat completion with logprobs; a streamed chat
completion (sync and async) whose deltas add up to the unstreamed text, with the usage chunk;
a legacy completion with echo + logprobs (the prompt scored, first token None); embeddings in the
SDK's default base64 encoding equal to the float encoding; a 400 the SDK raises as BadRequestError.
Exits non-zero on the first failed check. Usage: openai_sdk_check.py BASE_URL
"""

import asyncio
import math
import sys

import openai

base = sys.argv[1].rstrip("/") + "/v1"
client = openai.OpenAI(base_url=base, api_key="unused", max_retries=2)
aclient = openai.AsyncOpenAI(base_url=base, api_key="unused", max_retries=2)
MODEL, ENCODER = "smollm2-135m", "minilm-l6-v2"
messages = [{"role": "user", "content": "Name three colours."}]


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


whole = client.chat.completions.create(
    model=MODEL, messages=messages, max_tokens=12, temperature=0, logprobs=True, top_logprobs=3)
text = whole.choices[0].message.content
check(bool(text) and whole.usage.completion_tokens > 0, f"sync chat: {text!r}")
check(len(whole.choices[0].logprobs.content) == whole.usage.completion_tokens, "one logprob entry per token")

chunks = list(client.chat.completions.create(
    model=MODEL, messages=messages, max_tokens=12, temperature=0, stream=True,
    stream_options={"include_usage": True}))
streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
check(streamed == text, f"sync stream: {len(chunks)} chunks add up to the same text")
check(chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == whole.usage.completion_tokens,
      "usage chunk last")
check(any(c.choices and c.choices[0].finish_reason for c in chunks), "a finish_reason chunk")


async def run_async():
    answer = await aclient.chat.completions.create(model=MODEL, messages=messages, max_tokens=12, temperature=0)
    stream = await aclient.chat.completions.create(
        model=MODEL, messages=messages, max_tokens=12, temperature=0, stream=True)
    parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    return answer.choices[0].message.content, "".join(parts)


a_text, a_streamed = asyncio.run(run_async())
check(a_text == text and a_streamed == text, "async chat and async stream give the same text")

legacy = client.completions.create(
    model=MODEL, prompt="The capital of France is", max_tokens=1, echo=True, logprobs=1, temperature=0)
lp = legacy.choices[0].logprobs
check(legacy.choices[0].text.startswith("The capital of France is"), f"echo: {legacy.choices[0].text!r}")
check(lp.token_logprobs[0] is None and all(x <= 0 for x in lp.token_logprobs[1:]), "prompt scored, first None")
check(len(lp.tokens) == legacy.usage.prompt_tokens + legacy.usage.completion_tokens, "one entry per token")

texts = ["A man is eating food.", "A man is eating a piece of bread."]
packed = client.embeddings.create(model=ENCODER, input=texts)  # the SDK asks for base64 and decodes it
plain = client.embeddings.create(model=ENCODER, input=texts, encoding_format="float")
check(len(packed.data) == 2 and len(packed.data[0].embedding) == 384, "embeddings: 2 × 384")
check(all(a.embedding == b.embedding for a, b in zip(packed.data, plain.data)), "base64 equals float, exactly")
u, v = plain.data[0].embedding, plain.data[1].embedding
cos = sum(x * y for x, y in zip(u, v)) / math.sqrt(sum(x * x for x in u) * sum(y * y for y in v))
check(0.5 < cos < 1, f"related sentences: cosine {cos:.4f}")

try:
    client.chat.completions.create(model=MODEL, messages=messages, max_tokens=4, top_p=0.5)
    check(False, "top_p 0.5 refused")
except openai.BadRequestError as error:
    check(error.body.get("param") == "top_p", f"400 as BadRequestError: {error.body.get('message')}")
print("all checks passed")
