#!/usr/bin/env python3
"""Cheap pairwise peers for issue 15 ("trained judges"): the baselines a new user tries first.

What it is: for the pairwise datasets under --data (pandalm, autoj, hhh), it splits the items with
the shared rule fold(id) = SHA-256(UTF-8 id)[0] % 5 ("fixed": test = fold 0, train = folds 1-4;
"cv5": every fold predicted by a model trained on the other four, pooled; and a diagnostic
"fixed-by-prompt": the same hash over the prompt group instead of the id, test = fold 0, so no prompt
and no response text is on both sides) and runs these judges:

  length-chars          the response with more characters (Python len of the stored string) wins;
                        equal lengths -> tie. No training.
  tfidf-logreg          scikit-learn TF-IDF + multinomial LogisticRegression over a/b/tie (features:
                        see README.md / pair_features below), trained with swap augmentation and
                        C chosen by an inner leave-one-fold-out CV on the training folds only.
  tfidf-logreg-diff     the same with only tfidf(a) - tfidf(b) as features (the plain recipe), to
                        show what the extra features add.
  tfidf-logreg-gpt35    (pandalm only) tfidf-logreg trained on gpt-3.5-turbo's published verdicts
                        instead of the human majority ("distilled"); still scored against humans.
                        Training items where gpt-3.5-turbo has no verdict are left out of training.

Human label: pandalm = majority of its 3 annotators (every item has one); autoj and hhh have one label.
For pandalm it also scores the published gpt-3.5-turbo and pandalm-7b verdicts on the same test ids
(items without a gpt-3.5-turbo verdict are skipped and counted) and the human-human figure (mean over
the 3 annotator pairs of their agreement on those ids).

Outputs (under --out, default /tmp/i15-peers):
  DATASET/SPLIT/JUDGE.jsonl   one {"id","judge","winner"} line per test id (cv5: every id once),
                              the format `arbiter audit --judge` reads;
  summary.json                per dataset x split x judge: n, agreement with ties, agreement without
                              ties (pairs where either side is tie dropped), Cohen's kappa over
                              a/b/tie, a 95 % percentile bootstrap interval of the agreement with ties
                              (2000 resamples of the items, numpy default_rng(0)), and how many test
                              items share a prompt with a training item.
It prints a compact table. Deterministic: no randomness except the seeded bootstrap; liblinear/lbfgs
are deterministic for a fixed input.

Not: a neural judge (see torch_train_throughput.py for the PyTorch speed peer) or Arbiter's own audit.

Run (venv made as in README.md):
  /work/venv-peers/bin/python Benchmarks/peers/pairwise_baselines.py [--data /work/shared/data]
      [--out /tmp/i15-peers] [--datasets pandalm autoj hhh] [--splits fixed cv5] [--judges ...]
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

# One BLAS/OpenMP thread: lbfgs on these small sparse problems is 20-40x slower with 2 spinning
# threads on a busy 2-core machine (measured), and one thread keeps results independent of the machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

K = 5
LABELS = ["a", "b", "tie"]
SWAP = {"a": "b", "b": "a", "tie": "tie"}
C_GRID = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
BOOTSTRAP = 2000
ALL_JUDGES = ["length-chars", "tfidf-logreg", "tfidf-logreg-diff", "tfidf-logreg-gpt35"]


def fold(item_id: str) -> int:
    """The shared split rule: first byte of SHA-256(UTF-8 id) mod 5."""
    return hashlib.sha256(item_id.encode("utf-8")).digest()[0] % K


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def text(value: object, where: str) -> str:
    """A sample's text field. A JSON boolean (pandalm has `"response_a": true` six times) reads as
    "True"/"False", as Arbiter's SampleLine reads it; anything else that is not a string is an error."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if not isinstance(value, str):
        raise SystemExit(f"{where}: expected a string, got {value!r}")
    return value


def load(data: Path, name: str) -> dict:
    """Samples in file order, the human label per id, per-rater labels, and judge verdicts."""
    folder = data / name
    samples = read_jsonl(folder / "samples.jsonl")
    for s in samples:
        for key in ("prompt", "response_a", "response_b"):
            s[key] = text(s[key], f"{name} {s['id']} {key}")
    raters: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for r in read_jsonl(folder / "human_labels.jsonl"):
        raters[r["id"]][r["rater"]] = r["winner"]
    human = {}
    for s in samples:
        votes = collections.Counter(raters[s["id"]].values())
        label, count = votes.most_common(1)[0]
        if count * 2 <= sum(votes.values()):
            raise SystemExit(f"{name}: {s['id']} has no majority label: {dict(votes)}")
        human[s["id"]] = label
    judges: dict[str, dict[str, str]] = collections.defaultdict(dict)
    if (folder / "judge_labels.jsonl").exists():
        for r in read_jsonl(folder / "judge_labels.jsonl"):
            judges[r["judge"]][r["id"]] = r["winner"]
    return {"samples": samples, "human": human, "raters": raters, "judges": judges}


# ---------------------------------------------------------------- judges


def length_judge(samples: list[dict]) -> list[str]:
    out = []
    for s in samples:
        la, lb = len(s["response_a"]), len(s["response_b"])
        out.append("a" if la > lb else "b" if lb > la else "tie")
    return out


def make_vectorizer() -> TfidfVectorizer:
    # Word 1-2 grams, sublinear tf, rows L2-normalised; min_df=2 drops n-grams seen once.
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float64)


def pair_features(vec: TfidfVectorizer, samples: list[dict], extras: bool, swapped: bool = False) -> sp.csr_matrix:
    """Features of each pair (prompt p, first response x, second response y).

    Always: tfidf(x) - tfidf(y)                                  (antisymmetric, one column per n-gram)
    extras: cos(p, x) - cos(p, y)   prompt relevance difference   (antisymmetric)
            log1p(len x) - log1p(len y)  in characters            (antisymmetric)
            |log1p(len x) - log1p(len y)|                         (symmetric: for the tie class)
            cos(x, y)   how alike the two responses are           (symmetric: for the tie class)
            1 if x == y else 0                                    (symmetric)
    swapped=True builds the features of (p, b, a).
    """
    xs = [s["response_b" if swapped else "response_a"] for s in samples]
    ys = [s["response_a" if swapped else "response_b"] for s in samples]
    tx, ty = vec.transform(xs), vec.transform(ys)
    diff = (tx - ty).tocsr()
    if not extras:
        return diff
    tp = vec.transform([s["prompt"] for s in samples])
    cos_px = np.asarray(tp.multiply(tx).sum(axis=1)).ravel()
    cos_py = np.asarray(tp.multiply(ty).sum(axis=1)).ravel()
    cos_xy = np.asarray(tx.multiply(ty).sum(axis=1)).ravel()
    lx = np.log1p([len(x) for x in xs])
    ly = np.log1p([len(y) for y in ys])
    same = np.array([1.0 if x == y else 0.0 for x, y in zip(xs, ys)])
    dense = np.column_stack([cos_px - cos_py, lx - ly, np.abs(lx - ly), cos_xy, same])
    return sp.hstack([diff, sp.csr_matrix(dense)], format="csr")


class Features:
    """The TF-IDF vocabulary (fit on the training texts: prompts and both responses) and the scale of
    the 5 extra columns (fit on the swap-augmented training pairs)."""

    def __init__(self, samples: list[dict], extras: bool):
        self.extras = extras
        self.vec = make_vectorizer()
        self.vec.fit([t for s in samples for t in (s["prompt"], s["response_a"], s["response_b"])])
        self.scale = None
        if extras:
            # Divide the dense columns by their training standard deviation (no centring, so the
            # antisymmetric ones stay antisymmetric; under augmentation their mean is 0 anyway).
            both = sp.vstack([pair_features(self.vec, samples, True, sw) for sw in (False, True)])
            std = both[:, -5:].toarray().std(axis=0)
            std[std == 0] = 1.0
            self.scale = sp.diags(np.concatenate([np.ones(both.shape[1] - 5), 1.0 / std]))

    def __call__(self, samples: list[dict], swapped: bool = False) -> sp.csr_matrix:
        x = pair_features(self.vec, samples, self.extras, swapped)
        return (x @ self.scale).tocsr() if self.scale is not None else x


def fit_logreg(feats: Features, samples: list[dict], labels: list[str], c: float) -> LogisticRegression:
    """Multinomial logistic regression on the pairs and their swapped copies (label a<->b)."""
    x = sp.vstack([feats(samples), feats(samples, swapped=True)], format="csr")
    y = np.array(labels + [SWAP[v] for v in labels])
    model = LogisticRegression(C=c, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    return model


def predict(model: LogisticRegression, x: sp.csr_matrix, x_swapped: sp.csr_matrix) -> list[str]:
    """Average P(a, b, tie | a, b) with the swapped order's P(b, a, tie | b, a): exactly no position bias."""
    def full(p: np.ndarray) -> np.ndarray:
        out = np.zeros((p.shape[0], 3))
        for j, c in enumerate(model.classes_):
            out[:, LABELS.index(c)] = p[:, j]
        return out

    sym = (full(model.predict_proba(x)) + full(model.predict_proba(x_swapped))[:, [1, 0, 2]]) / 2
    return [LABELS[i] for i in sym.argmax(axis=1)]


def train_tfidf(samples: list[dict], labels: list[str], extras: bool):
    """C by leave-one-fold-out CV over the folds present in the training items (training data only);
    then features and model refit on all training items with that C. Returns a predict function."""
    folds = [fold(s["id"]) for s in samples]
    hits = {c: 0 for c in C_GRID}
    for f in sorted(set(folds)):
        tr = [i for i, g in enumerate(folds) if g != f]
        va = [i for i, g in enumerate(folds) if g == f]
        tr_s, va_s = [samples[i] for i in tr], [samples[i] for i in va]
        feats = Features(tr_s, extras)
        xv, xvs = feats(va_s), feats(va_s, swapped=True)
        for c in C_GRID:
            pred = predict(fit_logreg(feats, tr_s, [labels[i] for i in tr], c), xv, xvs)
            hits[c] += sum(p == labels[i] for p, i in zip(pred, va))
    best = max(C_GRID, key=lambda c: (hits[c], -c))  # equal scores: the smaller C (more regularised)
    feats = Features(samples, extras)
    model = fit_logreg(feats, samples, labels, best)
    return (lambda test: predict(model, feats(test), feats(test, swapped=True))), best


# ---------------------------------------------------------------- statistics


def stats(ids: list[str], pred: dict[str, str], human: dict[str, str]) -> dict:
    judged = [i for i in ids if i in pred]
    y = [human[i] for i in judged]
    p = [pred[i] for i in judged]
    hit = np.array([a == b for a, b in zip(p, y)], dtype=float)
    no_tie = [(a, b) for a, b in zip(p, y) if a != "tie" and b != "tie"]
    rng = np.random.default_rng(0)
    boots = hit[rng.integers(0, len(hit), size=(BOOTSTRAP, len(hit)))].mean(axis=1)
    kappa = cohen_kappa_score(y, p, labels=LABELS) if len(set(y) | set(p)) > 1 else float("nan")
    return {
        "n": len(judged),
        "n_missing": len(ids) - len(judged),
        "agreement_with_ties": float(hit.mean()),
        "ci95_with_ties": [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))],
        "n_without_ties": len(no_tie),
        "agreement_without_ties": (sum(a == b for a, b in no_tie) / len(no_tie)) if no_tie else float("nan"),
        "cohen_kappa": float(kappa),
        "predicted": dict(collections.Counter(p)),
    }


def human_human(ids: list[str], raters: dict[str, dict[str, str]]) -> dict:
    names = sorted({r for i in ids for r in raters[i]})
    pairs = [(a, b) for k, a in enumerate(names) for b in names[k + 1:]]
    with_t, without_t = [], []
    for a, b in pairs:
        both = [(raters[i][a], raters[i][b]) for i in ids if a in raters[i] and b in raters[i]]
        with_t.append(sum(x == y for x, y in both) / len(both))
        nt = [(x, y) for x, y in both if x != "tie" and y != "tie"]
        without_t.append(sum(x == y for x, y in nt) / len(nt))
    return {"n": len(ids), "rater_pairs": len(pairs), "agreement_with_ties": float(np.mean(with_t)),
            "agreement_without_ties": float(np.mean(without_t)),
            "per_pair_with_ties": {f"{a}~{b}": v for (a, b), v in zip(pairs, with_t)}}


# ---------------------------------------------------------------- driver


def splits_of(samples: list[dict], split: str) -> list[tuple[list[int], list[int]]]:
    if split == "fixed-by-prompt":  # diagnostic, not the shared rule: the same hash over the prompt group
        folds = [fold(group_key(s)) for s in samples]
    else:
        folds = [fold(s["id"]) for s in samples]
    test_folds = list(range(K)) if split == "cv5" else [0]
    return [([i for i, g in enumerate(folds) if g != f], [i for i, g in enumerate(folds) if g == f])
            for f in test_folds]


def group_key(s: dict) -> str:
    """The prompt group: autoj/hhh's metadata prompt_group, else (pandalm) the prompt text itself."""
    return s["metadata"].get("prompt_group") or s["prompt"]


def run(args: argparse.Namespace) -> dict:
    out = Path(args.out)
    summary: dict = {"versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                                  "scipy": __import__("scipy").__version__, "scikit-learn": sklearn.__version__},
                     "split_rule": "fold(id) = sha256(utf-8 id)[0] % 5; fixed: test fold 0; cv5: pooled",
                     "c_grid": C_GRID, "bootstrap": {"resamples": BOOTSTRAP, "rng": "numpy default_rng(0)",
                                                     "interval": "percentile 2.5/97.5"},
                     "results": []}
    for name in args.datasets:
        d = load(Path(args.data), name)
        samples, human = d["samples"], d["human"]
        for split in args.splits:
            parts = splits_of(samples, split)
            test_ids = [samples[i]["id"] for _, te in parts for i in te]
            seen = seen_resp = 0
            for tr, te in parts:
                groups = {group_key(samples[j]) for j in tr}
                responses = {samples[j][k] for j in tr for k in ("response_a", "response_b")}
                seen += sum(group_key(samples[i]) in groups for i in te)
                seen_resp += sum(samples[i][k] in responses for i in te for k in ("response_a", "response_b"))
            base = {"dataset": name, "split": split, "test_prompts_seen_in_training": seen,
                    "test_responses_seen_verbatim_in_training": seen_resp, "test_responses": 2 * len(test_ids)}
            judges = [j for j in args.judges if j != "tfidf-logreg-gpt35" or name == "pandalm"]
            for judge in judges:
                t0 = time.time()
                pred: dict[str, str] = {}
                chosen_c = []
                for tr, te in parts:
                    test = [samples[i] for i in te]
                    if judge == "length-chars":
                        labels = length_judge(test)
                    else:
                        if judge == "tfidf-logreg-gpt35":
                            teacher = d["judges"]["gpt-3.5-turbo"]
                            tr = [i for i in tr if samples[i]["id"] in teacher]
                            y = [teacher[samples[i]["id"]] for i in tr]
                        else:
                            y = [human[samples[i]["id"]] for i in tr]
                        judge_fn, c = train_tfidf([samples[i] for i in tr], y, extras=judge != "tfidf-logreg-diff")
                        chosen_c.append(c)
                        labels = judge_fn(test)
                    pred.update({s["id"]: w for s, w in zip(test, labels)})
                path = out / name / split / f"{judge}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("w", encoding="utf-8") as f:
                    for i in test_ids:
                        f.write(json.dumps({"id": i, "judge": judge, "winner": pred[i]}) + "\n")
                row = {**base, "judge": judge, **stats(test_ids, pred, human), "file": str(path),
                       "seconds": round(time.time() - t0, 1)}
                if chosen_c:
                    row["C"] = chosen_c
                summary["results"].append(row)
                write_summary(out, summary)  # after every row, so an interrupted run keeps what it did
                print(f"  done {name}/{split}/{judge} in {row['seconds']} s", file=sys.stderr, flush=True)
            for judge, verdicts in sorted(d["judges"].items()):
                summary["results"].append({**base, "judge": f"published:{judge}",
                                           **stats(test_ids, verdicts, human)})
            if name == "pandalm":
                summary["results"].append({**base, "judge": "human-human", **human_human(test_ids, d["raters"])})
    write_summary(out, summary)
    return summary


def write_summary(out: Path, summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


def table(summary: dict) -> str:
    def pct(x: float) -> str:
        return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:5.1f}"

    lines = [f"{'dataset':8} {'split':15} {'judge':26} {'n':>5} {'w/ ties':>7} {'95% CI':>13} "
             f"{'no ties':>7} {'n nt':>5} {'kappa':>6}  C / note"]
    for r in summary["results"]:
        ci = r.get("ci95_with_ties")
        ci_s = f"[{pct(ci[0])},{pct(ci[1])}]" if ci else ""
        kappa = r.get("cohen_kappa")
        note = ""
        if "C" in r:
            note = "C=" + ",".join(f"{c:g}" for c in r["C"])
        if r.get("n_missing"):
            note += f"{r['n_missing']} ids without verdict skipped"
        if r["judge"] == "human-human":
            note = f"mean of {r['rater_pairs']} annotator pairs"
        lines.append(f"{r['dataset']:8} {r['split']:15} {r['judge']:26} {r['n']:5d} {pct(r['agreement_with_ties']):>7} "
                     f"{ci_s:>13} {pct(r['agreement_without_ties']):>7} {r.get('n_without_ties', ''):>5} "
                     f"{'' if kappa is None else f'{kappa:6.3f}':>6}  {note}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[3] / "shared" / "data"),
                    help="the datasets (default: ../shared/data beside the repository)")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "arbiter-peers"))
    ap.add_argument("--datasets", nargs="+", default=["pandalm", "autoj", "hhh"])
    ap.add_argument("--splits", nargs="+", default=["fixed", "cv5", "fixed-by-prompt"],
                    choices=["fixed", "cv5", "fixed-by-prompt"])
    ap.add_argument("--judges", nargs="+", default=ALL_JUDGES, choices=ALL_JUDGES)
    ap.add_argument("--table", metavar="SUMMARY_JSON", help="only print the table of an existing summary.json")
    args = ap.parse_args()
    if args.table:
        print(table(json.loads(Path(args.table).read_text(encoding="utf-8"))))
        return
    t0 = time.time()
    summary = run(args)
    print(table(summary))
    seen = {(r["dataset"], r["split"]): (r["n"] if r["judge"] == "length-chars" else None,
                                         r["test_prompts_seen_in_training"],
                                         r["test_responses_seen_verbatim_in_training"], r["test_responses"])
            for r in summary["results"] if "test_responses" in r}
    print("leakage (test items whose prompt group is also in training; test responses found verbatim in training):")
    for (d, s), (_, p, r, n) in seen.items():
        print(f"  {d}/{s}: prompts {p}, responses {r} of {n}")
    print(f"wrote {args.out}/summary.json and one judgments file per row; {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
