"""Stress: the domain classifier's worker threads, many small tasks, repeated until time runs out.

Guards against crashes from LightGBM's process-wide state when several threads train and predict at
once (a SIGSEGV was reproduced here about once every two minutes before the fix in _Binned.subset).
Prints the rounds completed; a crash kills the process (exit code 139 from a shell).

    python benchmarks/stress_domain_classifier.py [--seconds 60] [--workers 4]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from reportgen.dataset import Column
from reportgen.drift.domain_classifier import DomainClassifier


def columns(n: int, seed: int) -> dict[str, Column]:
    """Four normal features (one with missing values) and a three-level categorical."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    x[rng.random(n) < 0.02, 1] = np.nan
    cols = {f"x{j}": Column(f"x{j}", "continuous", x[:, j]) for j in range(4)}
    cols["c"] = Column("c", "categorical", rng.choice(3, n, p=[0.5, 0.3, 0.2]).astype(np.int32), ("a", "b", "c"))
    return cols


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    ref = columns(4_000, 0)
    parts = [columns(300, i + 1) for i in range(40)]
    bounds = [(i, i + 400) for i in range(0, 4_000, 400)]
    t0, c0, rounds = time.perf_counter(), time.process_time(), 0
    while time.perf_counter() - t0 < args.seconds:
        clf = DomainClassifier(n_jobs=args.workers).fit(ref, bounds)
        jobs = [lambda p=p, i=i: clf.chunk_auc(p, (1, i)) for i, p in enumerate(parts)]
        jobs += [lambda i=i: clf.reference_chunk_auc(ref, i, (0, i)) for i in range(len(bounds))]
        clf.run_all(jobs)
        rounds += 1
    print(
        f"{rounds} rounds of {len(parts) + len(bounds)} tasks with {args.workers} workers in {time.perf_counter() - t0:.0f} s wall, "
        f"{time.process_time() - c0:.0f} CPU s; no crash"
    )


if __name__ == "__main__":
    main()
