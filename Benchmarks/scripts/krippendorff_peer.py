#!/usr/bin/env python3
"""Peer timing for ArbiterBench's agreement suite (Benchmarks/ArbiterBench/AgreementBench.swift).

Reads the raters x items matrix the Swift side wrote (one line per rater, comma-separated values,
"nan" = missing), computes Krippendorff's alpha with the `krippendorff` package (ordinal,
value_domain 1..5) and a percentile bootstrap over items with numpy's seeded generator, and prints
one JSON object: alpha, seconds per call (best of 3, as the Swift side), bootstrap resamples/seconds
and the interval. Not a test.

usage: krippendorff_peer.py DATA.csv RESAMPLES [SEED]
needs: pip install krippendorff numpy   (e.g. into a venv at /tmp/benchvenv)
"""
import json
import sys
import time
from importlib.metadata import version

import krippendorff
import numpy as np


def main() -> None:
    path, resamples = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    data = np.loadtxt(path, delimiter=",")  # (raters, items)
    domain = [1, 2, 3, 4, 5]

    def alpha(m: np.ndarray) -> float:
        return krippendorff.alpha(reliability_data=m, level_of_measurement="ordinal", value_domain=domain)

    alpha(data[:, :1000])  # warm-up (imports, first-call overheads)
    times = []
    for _ in range(3):  # best of 3, as the Swift side
        t0 = time.perf_counter()
        point = alpha(data)
        times.append(time.perf_counter() - t0)
    point_s = min(times)

    rng = np.random.default_rng(seed)
    n = data.shape[1]
    values = []
    t0 = time.perf_counter()
    for _ in range(resamples):
        values.append(alpha(data[:, rng.integers(0, n, size=n)]))
    boot_s = time.perf_counter() - t0
    values.sort()
    print(json.dumps({
        "alpha": point, "alpha_seconds": point_s, "raters": int(data.shape[0]), "items": int(n),
        "bootstrap_resamples": resamples, "bootstrap_seconds": boot_s,
        "ci_low": float(np.quantile(values, 0.025)) if values else None,
        "ci_high": float(np.quantile(values, 0.975)) if values else None,
        "krippendorff_version": version("krippendorff"), "numpy_version": np.__version__,
    }))


if __name__ == "__main__":
    main()
