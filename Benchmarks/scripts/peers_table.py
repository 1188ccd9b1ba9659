#!/usr/bin/env python3
"""Turns one run-peers.sh run folder into the Markdown block for Benchmarks/RESULTS.md (issue 4).

Reads machine.txt, arbiter.txt (ArbiterBench's `RESULT {json}` lines), llama-bench.json,
pytorch.json, minilm-peer.json and installed.txt from the folder, and prints: the date, machine,
versions, one table of throughputs with the ratios against issue 4's goals, and the checks that
the sides computed the same thing (same first token / greedy ids / embedding values). A missing
or failed side shows as "not run" with its log named, never as a made-up number. Not a test.

usage: peers_table.py RUN_FOLDER
"""
import json
import sys
from pathlib import Path


def load_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def arbiter_results(path: Path) -> dict:
    out = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        if line.startswith("RESULT "):
            try:
                row = json.loads(line[len("RESULT "):])
            except ValueError:
                continue
            out[row.get("suite", "?")] = row
    return out


def fmt(x, digits=1):
    return "not run" if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def times(x):
    return "not run" if x is None else f"{x:.2f}×"


def verdict(value, goal):
    if value is None:
        return "not measured"
    return "**met**" if value >= goal else "**not met**"


def common_prefix(a, b):
    n = 0
    for x, y in zip(a or [], b or []):
        if x != y:
            break
        n += 1
    return n


def main() -> None:
    run = Path(sys.argv[1])
    machine = {}
    for line in (run / "machine.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        machine[key] = value
    arbiter = arbiter_results(run / "arbiter.txt")
    llama = load_json(run / "llama-bench.json") or []
    torch_side = load_json(run / "pytorch.json") or {}
    st_side = load_json(run / "minilm-peer.json") or {}
    installed = {}
    try:
        for line in (run / "installed.txt").read_text().splitlines():
            name, sep, ver = line.partition("==")
            if sep:
                installed[name.lower()] = ver
    except OSError:
        pass

    pp = next((r for r in llama if r.get("n_prompt", 0) > 0 and r.get("n_gen", 0) == 0), None)
    tg = next((r for r in llama if r.get("n_gen", 0) > 0 and r.get("n_prompt", 0) == 0), None)
    a_pre = arbiter.get("prefill", {}).get("tokens_per_second")
    a_dec = arbiter.get("decode", {}).get("tokens_per_second")
    a_mini = arbiter.get("minilm", {}).get("sentences_per_second")
    def best_ts(row):  # the fastest repetition, as every other side reports its best run
        if not row:
            return None
        return max(row.get("samples_ts") or [row.get("avg_ts", 0)]) or None

    l_pre, l_dec = best_ts(pp), best_ts(tg)
    t_pre = torch_side.get("prefill", {}).get("tokens_per_second")
    t_dec = torch_side.get("decode", {}).get("tokens_per_second")
    s_mini = st_side.get("minilm", {}).get("sentences_per_second")
    peak = arbiter.get("prefill", {}).get("fraction_of_peak")
    build = (pp or tg or {})
    pre_tokens = arbiter.get("prefill", {}).get("tokens", "?")

    print(f"## {machine.get('date_utc', '?')[:10]} — issue 4: SmolLM2-135M prefill/decode and MiniLM vs llama.cpp and PyTorch")
    print()
    print(f"Machine: {machine.get('cores', '?')} × \"{machine.get('cpu', '?')}\", {machine.get('memory_gib', '?')} GiB; "
          f"{machine.get('threads', '?')} threads on every side; load average {machine.get('load_before', '?')} before, "
          f"{machine.get('load_after', '?')} after (shared machine: other builds running).")
    print(f"Command: `Benchmarks/scripts/setup-peers.sh && Benchmarks/scripts/run-peers.sh` at {machine.get('date_utc', '?')}; "
          f"Arbiter {machine.get('arbiter_branch', '?')} @ {machine.get('arbiter_commit', '?')} (release, {machine.get('swift', '?')}).")
    commit = build.get("build_commit")
    commit = f" {commit}" if commit and commit != "unknown" else ""  # the sdist has no git history
    print(f"Peers: llama.cpp{commit} (as vendored in "
          f"llama-cpp-python {machine.get('llama_cpp_python', '?')}, CPU, GGML_NATIVE, `llama-bench -p 512 -n 128 -r 3`, "
          f"runs the Q4_1 weights as they are); PyTorch {torch_side.get('torch_version', installed.get('torch', '?'))} + "
          f"transformers {torch_side.get('transformers_version', installed.get('transformers', '?'))} + gguf "
          f"{torch_side.get('gguf_version', installed.get('gguf', '?'))} (same GGUF dequantised to fp32, like Arbiter); "
          f"sentence-transformers {st_side.get('sentence_transformers_version', installed.get('sentence-transformers', '?'))}.")
    dec, mini = arbiter.get("decode", {}), arbiter.get("minilm", {})
    print(f"Inputs: prefill = the first {pre_tokens} tokens of the bundled SummEval articles (same ids for Arbiter and "
          f"PyTorch; llama-bench uses its own random ids); decode = {dec.get('tokens', '?')} greedy steps with the KV cache "
          f"after a {dec.get('prompt_tokens', '?')}-token prompt (llama-bench: tg{tg.get('n_gen', '?') if tg else '?'} from "
          f"an empty cache); MiniLM = {mini.get('sentences', '?')} bundled texts (SummEval summaries, PandaLM responses), "
          f"batch {mini.get('batch_size', '?')}. Each number is the best of the repeats (llama-bench: its fastest of 3).")
    print()
    print("| measure | Arbiter | llama.cpp | PyTorch fp32 | Arbiter ÷ llama.cpp | Arbiter ÷ PyTorch | goal | status |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    r_pl, r_pt = ratio(a_pre, l_pre), ratio(a_pre, t_pre)
    status = "; ".join([f"vs llama.cpp {verdict(r_pl, 1.0)}", f"vs PyTorch {verdict(r_pt, 1.5)}"])
    print(f"| prefill {pre_tokens} tokens, tokens/s | {fmt(a_pre)} | {fmt(l_pre)} | {fmt(t_pre)} | {times(r_pl)} | {times(r_pt)} "
          f"| ≥ 1.0× llama.cpp, ≥ 1.5× PyTorch | {status} |")
    r_dl, r_dt = ratio(a_dec, l_dec), ratio(a_dec, t_dec)
    print(f"| decode {dec.get('tokens', '?')} tokens, tokens/s | {fmt(a_dec)} | {fmt(l_dec)} | {fmt(t_dec)} | {times(r_dl)} | {times(r_dt)} "
          f"| ≥ 0.8× llama.cpp | {verdict(r_dl, 0.8)} |")
    q_pre = arbiter.get("prefill_quantized", {}).get("tokens_per_second")
    if q_pre is not None:
        r_ql, r_qt = ratio(q_pre, l_pre), ratio(q_pre, t_pre)
        status = "; ".join([f"vs llama.cpp {verdict(r_ql, 1.0)}", f"vs PyTorch {verdict(r_qt, 1.5)}"])
        kernel = arbiter.get("prefill_quantized", {}).get("kernel", "?")
        print(f"| prefill {pre_tokens} tokens, quantised (opt-in, Q4 × 8-bit, {kernel}), tokens/s | {fmt(q_pre)} | {fmt(l_pre)} | "
              f"{fmt(t_pre)} | {times(r_ql)} | {times(r_qt)} | ≥ 1.0× llama.cpp, ≥ 1.5× PyTorch | {status} |")
    pre = arbiter.get("prefill", {})
    print(f"| prefill GFLOP/s (of sgemm peak {fmt(pre.get('sgemm_peak_gflops'))}) | {fmt(pre.get('gflops'))} "
          f"({fmt(None if peak is None else 100 * peak, 0)} %) | | | | | ≥ 60 % of peak | {verdict(peak, 0.6)} |")
    r_m = ratio(a_mini, s_mini)
    print(f"| MiniLM-L6 sentences/s | {fmt(a_mini)} | | {fmt(s_mini)} (sentence-transformers) | | {times(r_m)} | — | — |")
    print()

    checks = []
    a_first = pre.get("first_token")
    t_first = torch_side.get("prefill", {}).get("first_token")
    if a_first is not None and t_first is not None:
        checks.append(f"prefill next token Arbiter {a_first[0]} vs PyTorch {t_first[0]} "
                      f"({'same' if a_first[:1] == t_first[:1] else 'DIFFERENT'})")
    q_first = arbiter.get("prefill_quantized", {}).get("first_token")
    if q_first is not None and t_first is not None:
        checks.append(f"quantised prefill next token {q_first[0]} "
                      f"({'same' if q_first[:1] == t_first[:1] else 'DIFFERENT'})")
    a_gen = arbiter.get("decode", {}).get("generated")
    t_gen = torch_side.get("decode", {}).get("generated")
    if a_gen and t_gen:
        checks.append(f"greedy decode ids agree for the first {common_prefix(a_gen, t_gen)} of {len(a_gen)}")
    a_emb = arbiter.get("minilm", {}).get("first_embedding_head")
    s_emb = st_side.get("minilm", {}).get("first_embedding_head")
    if a_emb and s_emb:
        diff = max(abs(x - y) for x, y in zip(a_emb, s_emb))
        checks.append(f"MiniLM first embedding, first 8 values: max |Arbiter − sentence-transformers| = {diff:.2g}")
    if checks:
        print("Same work on both sides: " + "; ".join(checks) + ".")
    missing = [name for name, ok in [("llama-bench (llama-bench.log)", pp and tg), ("PyTorch (pytorch.log)", t_pre),
                                     ("sentence-transformers (minilm-peer.log)", s_mini),
                                     ("Arbiter (arbiter.txt)", a_pre and a_dec and a_mini)] if not ok]
    if missing:
        print(f"Not measured in this run: {', '.join(missing)}; see those files in {run}.")


if __name__ == "__main__":
    main()
