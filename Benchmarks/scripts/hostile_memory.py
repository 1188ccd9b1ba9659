#!/usr/bin/env python3
"""hostile_memory.py: issue 14's memory bound, measured on the release `arbiter`.

Runs `arbiter` on hostile inputs and records each child's peak resident memory (wait4's ru_maxrss):
  * models inspect / generate on mutated copies of SmolLM2's GGUF (huge counts in the header, in the
    metadata, in tensor dims and offsets; seeded byte flips in the first megabyte);
  * rubric validate on rubrics up to the 1 MiB cap (many criteria x 101 levels in YAML, JSON and
    XML, a YAML alias bomb, deep flow nesting, 20,000 levels);
  * audit of the bundled data with the largest --bootstrap the CLI accepts (read from its error).
Every run must end by itself (no signal, no timeout) and stay under 2 GiB; the script exits 1
otherwise. Standard library only. Usage:
  swift build -c release --product arbiter
  python3 Benchmarks/scripts/hostile_memory.py [--arbiter .build/release/arbiter] [--quick]
"""
import argparse, json, os, random, re, shutil, struct, subprocess, sys, tempfile, time

LIMIT_BYTES = 2 << 30
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(arbiter, args, timeout):
    """Runs arbiter with args; returns (status, peak RSS bytes, seconds, stderr tail)."""
    start = time.time()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([arbiter] + args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = "timeout"
                break
            time.sleep(0.05)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
        # The error line (ArgumentParser prints usage after it), else the last line.
        tail = [line for line in lines if "error" in line.lower()][:1] or lines[-1:] or [""]
    if status != "timeout":
        status = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return status, usage.ru_maxrss * 1024, time.time() - start, tail[0][:110]


# --- GGUF: locate header fields, metadata values and tensor records to patch -----------------
SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gguf_layout(path):
    """Offsets of interesting fields: {'tensor_count': off, 'kv_count': off, 'kv:<key>': (off, type),
    'array:<key>': off of its u64 length, 'tensor:<name>:dim0'/'offset': off}."""
    with open(path, "rb") as f:
        data = f.read(16 << 20)
    pos = 8
    out = {"tensor_count": pos, "kv_count": pos + 8}
    n_tensors, n_kv = struct.unpack_from("<QQ", data, pos)
    pos += 16

    def string(p):
        n = struct.unpack_from("<Q", data, p)[0]
        return data[p + 8:p + 8 + n].decode("utf-8", "replace"), p + 8 + n

    def skip(t, p):
        if t in SCALAR:
            return p + struct.calcsize(SCALAR[t])
        if t == 8:
            return string(p)[1]
        if t == 9:
            it, n = struct.unpack_from("<IQ", data, p)
            p += 12
            if it in SCALAR:
                return p + n * struct.calcsize(SCALAR[it])
            for _ in range(n):
                p = skip(it, p)
            return p
        raise ValueError(f"type {t}")

    for _ in range(n_kv):
        key, pos = string(pos)
        t = struct.unpack_from("<I", data, pos)[0]
        pos += 4
        out[f"kv:{key}"] = (pos, t)
        if t == 9:
            out[f"array:{key}"] = pos + 4
        pos = skip(t, pos)
    for _ in range(n_tensors):
        name, pos = string(pos)
        n_dims = struct.unpack_from("<I", data, pos)[0]
        out[f"tensor:{name}:dim0"] = pos + 4
        pos += 4 + 8 * n_dims
        out[f"tensor:{name}:offset"] = pos + 4
        pos += 12
    return out


def patched_copy(src, dst, patches):
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f:
        for offset, raw in patches:
            f.seek(offset)
            f.write(raw)


def gguf_cases(model, folder, flips):
    layout = gguf_layout(model)
    u32 = lambda v: struct.pack("<I", v)
    u64 = lambda v: struct.pack("<Q", v)
    cases = {
        "tensor_count=2^63": [(layout["tensor_count"], u64(1 << 63))],
        "kv_count=2^40": [(layout["kv_count"], u64(1 << 40))],
        "tokens length=2^40": [(layout["array:tokenizer.ggml.tokens"], u64(1 << 40))],
        "token_embd dim0=2^40": [(layout["tensor:token_embd.weight:dim0"], u64(1 << 40))],
        "blk.0.attn_q offset=2^60": [(layout["tensor:blk.0.attn_q.weight:offset"], u64(1 << 60))],
    }
    for key, value in [
        ("llama.block_count", 0x7FFFFFFF), ("llama.embedding_length", 0x7FFFFFFF),
        ("llama.feed_forward_length", 0xFFFFFFFF), ("llama.context_length", 0xFFFFFFFF),
        ("llama.attention.head_count", 0), ("llama.attention.head_count_kv", 0x7FFFFFFF),
        ("llama.vocab_size", 0xFFFFFFFF), ("llama.rope.dimension_count", 0x7FFFFFFF),
    ]:
        if f"kv:{key}" in layout:
            offset, t = layout[f"kv:{key}"]
            cases[f"{key}={value}"] = [(offset, u32(value) if t in (4, 5) else u64(value))]
    rng = random.Random(14)
    header_end = max(v if isinstance(v, int) else v[0] for v in layout.values()) + 64
    for i in range(flips):
        cases[f"flips#{i}"] = [(rng.randrange(8, header_end), bytes([rng.randrange(256)])) for _ in range(8)]
    for name, patches in cases.items():
        path = os.path.join(folder, re.sub(r"[^A-Za-z0-9.#=_-]", "_", name) + ".gguf")
        patched_copy(model, path, patches)
        yield name, path


# --- rubrics up to the size cap ---------------------------------------------------------------
def rubric_cases(folder):
    def level_yaml(i):
        return f"        - label: level-{i}\n          descriptor: {'d' * 40}\n"

    def criterion_yaml(c):
        levels = "".join(level_yaml(i) for i in range(101))
        return f"  - id: c{c}\n    description: criterion {c}\n    weight: {c + 1}\n    scale:\n      type: ordinal\n      levels:\n{levels}"

    head = "name: big\nversion: 1.0.0\ndescription: near the cap\ncriteria:\n"
    body, c = head, 0
    while len(body) + len(criterion_yaml(c)) < (1 << 20) - 100:
        body += criterion_yaml(c)
        c += 1
    yield "yaml: criteria x 101 levels (~1 MiB)", "big.yaml", body
    criteria = [{"id": f"c{c}", "description": "x", "weight": 1, "scale": {"type": "ordinal", "levels": [
        {"label": f"l{i}", "descriptor": "d" * 40} for i in range(101)]}} for c in range(150)]
    doc = json.dumps({"name": "big", "version": "1.0.0", "description": "x", "criteria": criteria})
    while len(doc) > (1 << 20) - 100:
        criteria.pop()
        doc = json.dumps({"name": "big", "version": "1.0.0", "description": "x", "criteria": criteria})
    yield f"json: {len(criteria)} criteria x 101 levels", "big.json", doc
    level = "<level><label>l{}</label><descriptor>" + "d" * 40 + "</descriptor></level>"
    crit = "<criterion><id>c{}</id><description>x</description><scale><type>ordinal</type><levels>{}</levels></scale></criterion>"
    parts, size = [], 200
    while True:
        one = crit.format(len(parts), "".join(level.format(i) for i in range(101)))
        if size + len(one) > (1 << 20) - 100:
            break
        parts.append(one)
        size += len(one)
    yield f"xml: {len(parts)} criteria x 101 levels", "big.xml", (
        "<rubric><name>big</name><version>1.0.0</version><description>x</description><criteria>"
        + "".join(parts) + "</criteria></rubric>")
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]\n"
        for i in range(1, 10))
    yield "yaml: alias bomb (10^10 nodes)", "bomb.yaml", bomb + "name: x\n"
    yield "yaml: 9,000 nested flow lists", "deep.yaml", "name: " + "[" * 9000 + "]" * 9000 + "\n"
    yield "xml: 60 nested elements x many", "deep.xml", "<rubric>" + "<a>" * 60 + "</a>" * 60 + "</rubric>"
    levels = "".join(f"        - label: l{i}\n          descriptor: d\n" for i in range(20000))
    yield "yaml: 20,000 levels", "levels.yaml", (
        head + "  - id: q\n    description: q\n    scale:\n      type: ordinal\n      levels:\n" + levels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arbiter", default=os.path.join(ROOT, ".build/release/arbiter"))
    parser.add_argument("--model", default=os.path.expanduser("~/.cache/arbiter/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf"))
    parser.add_argument("--quick", action="store_true", help="fewer GGUF byte-flip files, smaller bootstrap")
    a = parser.parse_args()
    rows, bad = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for name, path in gguf_cases(a.model, folder, 4 if a.quick else 16):
            for command in (["models", "inspect", path], ["generate", "--model", path, "--prompt", "hi", "--max-tokens", "1"]):
                rows.append((f"{command[0]} {command[1] if command[0] == 'models' else ''}".strip(), name, *run(a.arbiter, command, 300)))
            os.remove(path)
        for name, file, text in rubric_cases(folder):
            path = os.path.join(folder, file)
            with open(path, "w") as f:
                f.write(text)
            rows.append(("rubric validate", f"{name} ({len(text.encode()) // 1024} KiB)", *run(a.arbiter, ["rubric", "validate", path], 300)))
        human = os.path.join(ROOT, "Data/pandalm/human_labels.jsonl")
        judge = os.path.join(ROOT, "Data/pandalm/judge_labels.jsonl")
        status, _, _, message = run(a.arbiter, ["audit", "--human", human, "--judge", judge, "--bootstrap", "100000000"], 600)
        caps = [int(m.replace(",", "")) for m in re.findall(r"(?:at most|≤|<=)\s*([\d,]+)", message)]
        cap = caps[0] if status != 0 and caps else None
        rows.append(("audit", "--bootstrap 100000000", status, 0, 0.0, message))
        for count in sorted({1000, cap or 100000} if not a.quick else {1000}):
            rows.append(("audit", f"pandalm --bootstrap {count}",
                         *run(a.arbiter, ["audit", "--human", human, "--judge", judge, "--bootstrap", str(count)], 600)))
    print(f"| command | input | exit | peak RSS (MiB) | seconds | last stderr line |\n|---|---|---|---|---|---|")
    for command, name, status, rss, seconds, message in rows:
        over = rss >= LIMIT_BYTES or not isinstance(status, int)
        bad += over
        print(f"| {command} | {name} | {status} | {rss / 2**20:.0f}{' **over**' if over else ''} | {seconds:.1f} | {message.replace('|', '/')} |")
    print(f"\n{len(rows)} runs, {bad} over 2 GiB, killed or timed out")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
