"""Clients for `arbiter serve --reward FILE` (standard library only; Python 3.9+).

The server speaks OpenRLHF's remote reward protocol at POST /get_reward:
{"query": [prompt + response], "prompts": [prompt], "labels": [reference]} ->
{"rewards": [float], "scores": [float], "extra_logs": {name: [float], "unscored": [0/1], ...}}.

- OpenRLHF: point its remote reward flag at the server: `--reward.remote_url http://HOST:PORT/get_reward`
  (`--remote_rm_url` before OpenRLHF 0.10.2) and `--label_key answer` for the reference column.
- TRL: `reward_funcs=[trl_reward("http://127.0.0.1:8080")]` (or `trl_reward_async` for TRL's async
  reward functions). Completions the server left unscored come back as None, which TRL drops; for
  that the reward file needs `on_unscored: value` (with `on_unscored: error`, the default, such a
  batch is an error and the client raises).
- verl: `custom_reward_function.path=clients/python/arbiter_reward.py`,
  `custom_reward_function.name=compute_score`, with ARBITER_REWARD_URL in the workers' environment.

Failed requests are retried with exponential backoff (connection errors, 429 and 5xx); any other
error raises ArbiterRewardError with the server's message.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Optional, Sequence

__all__ = ["ArbiterRewardError", "RewardClient", "trl_reward", "trl_reward_async", "compute_score"]


class ArbiterRewardError(RuntimeError):
    """The server refused the batch (its error message), or never answered after the retries."""


class RewardClient:
    """Posts batches to one Arbiter reward server."""

    def __init__(self, url: str, timeout: float = 120.0, retries: int = 4, backoff: float = 0.5) -> None:
        self.url = url.rstrip("/")
        if not self.url.endswith("/get_reward"):
            self.url += "/get_reward"
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def get_reward(self, queries: Sequence[str], prompts: Sequence[str],
                   labels: Optional[Sequence[Any]] = None) -> dict:
        """The server's answer for one batch: {"rewards", "scores", "extra_logs"}."""
        body = {"query": list(queries), "prompts": list(prompts)}
        if labels is not None:
            body["labels"] = list(labels)
        data = json.dumps(body).encode("utf-8")
        delay = self.backoff
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.url, data=data, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                message = _error_message(error)
                if error.code != 429 and error.code < 500 or attempt == self.retries:
                    raise ArbiterRewardError(f"HTTP {error.code} from {self.url}: {message}") from None
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if attempt == self.retries:
                    raise ArbiterRewardError(f"no answer from {self.url}: {error}") from None
            time.sleep(delay)
            delay *= 2
        raise ArbiterRewardError(f"no answer from {self.url}")  # not reached

    def rewards(self, prompts: Sequence[str], completions: Sequence[str],
                labels: Optional[Sequence[Any]] = None) -> list:
        """One reward per completion; None where the server reports it unscored."""
        answer = self.get_reward([p + c for p, c in zip(prompts, completions)], prompts, labels)
        unscored = answer.get("extra_logs", {}).get("unscored", [0] * len(completions))
        return [None if flag else float(r) for r, flag in zip(answer["rewards"], unscored)]


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read().decode("utf-8"))["error"]["message"]
    except Exception:  # noqa: BLE001 - any unreadable body
        return error.reason if isinstance(error.reason, str) else str(error)


def _text(item: Any) -> str:
    """TRL passes conversational prompts/completions as [{"role", "content"}] lists."""
    if isinstance(item, list):
        return "".join(str(m.get("content", "")) for m in item)
    return str(item)


def trl_reward(url: str, label_key: str = "answer", **client_options: Any):
    """A TRL reward function (`reward_funcs=[...]`) scoring through the server; `label_key` is the
    dataset column sent as labels (TRL passes columns as keyword arguments)."""
    client = RewardClient(url, **client_options)

    def arbiter_reward(prompts, completions, **kwargs):
        labels = kwargs.get(label_key)
        return client.rewards([_text(p) for p in prompts], [_text(c) for c in completions],
                              None if labels is None else list(labels))

    return arbiter_reward


def trl_reward_async(url: str, label_key: str = "answer", **client_options: Any):
    """`trl_reward` as an `async def` (TRL awaits async reward functions concurrently)."""
    sync = trl_reward(url, label_key, **client_options)

    async def arbiter_reward_async(prompts, completions, **kwargs):
        return await asyncio.to_thread(sync, prompts, completions, **kwargs)

    return arbiter_reward_async


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: Optional[dict] = None) -> dict:
    """verl's custom reward function: {"score": total, <function>: value, ...} for one response
    (the prompt from extra_info["prompt"] when given). Server: $ARBITER_REWARD_URL."""
    url = os.environ.get("ARBITER_REWARD_URL", "http://127.0.0.1:8080")
    prompt = _text((extra_info or {}).get("prompt", ""))
    answer = RewardClient(url).get_reward([prompt + solution_str], [prompt], [ground_truth])
    result = {"score": float(answer["rewards"][0])}
    for name, values in answer.get("extra_logs", {}).items():
        if values:
            result[name] = float(values[0])
    return result
