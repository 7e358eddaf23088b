"""Benchmark: univariate drift (every method) and data quality on 20 numeric + 5 categorical features.

Prints CPU seconds (process_time) and wall seconds per method and in total, with the calibrated
reference_quantile thresholds and with the methods' classic default thresholds (no calibration),
plus peak memory. Arrays are simulated directly (no file reading); the analysis period has 200 chunks,
the reference `--reference-chunks` chunks of the same size.

    python benchmarks/bench_univariate.py --rows 1000000 10000000 --reference-chunks 10
"""

from __future__ import annotations

import argparse
import gc
import resource
import time

import numpy as np

from reportgen.chunking import SizeChunker
from reportgen.config import load_config
from reportgen.dataset import Column, Dataset, MonitoringData
from reportgen.drift.methods import UNIVARIATE_METHODS
from reportgen.drift.univariate import UnivariateDrift
from reportgen.quality import DataQuality, SummaryStats

N_NUMERIC, N_CATEGORICAL, N_CHUNKS = 20, 5, 200


def simulate(rows: int, seed: int, period: str, drift: bool = False) -> Dataset:
    """A period of 20 normal/skewed numeric features (1% missing in some) and 5 categoricals.

    With `drift`, the second half of the rows moves: numeric features shift by 0.5 std (integer ones
    by 5 levels) and every categorical's first category takes 20 points more share.
    """
    rng = np.random.default_rng(seed)
    half = rows // 2
    feats = {}
    for j in range(N_NUMERIC):
        if j % 4 == 0:
            v = rng.normal(size=rows)
        elif j % 4 == 1:
            v = rng.lognormal(size=rows)
        elif j % 4 == 2:
            v = rng.integers(0, 50, size=rows).astype(np.float64)  # heavy ties
        else:
            v = rng.normal(size=rows)
            v[rng.random(rows) < 0.01] = np.nan
        if drift:
            v[half:] += 5.0 if j % 4 == 2 else 0.5 * np.nanstd(v[:half])
        feats[f"num_{j}"] = Column(f"num_{j}", "continuous", v)
    for j in range(N_CATEGORICAL):
        k = (3, 5, 10, 20, 50)[j]
        codes = rng.integers(0, k, size=rows).astype(np.int32)
        if drift:
            codes[half:][rng.random(rows - half) < 0.2] = 0
        feats[f"cat_{j}"] = Column(f"cat_{j}", "categorical", codes, tuple(f"c{i}" for i in range(k)))
    return Dataset(period=period, n_rows=rows, features=feats, y_pred=np.zeros(rows, np.int64))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn):
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def bench(rows: int, ref_rows: int, threads: int, per_method: bool = True, drift: bool = False) -> list[tuple]:
    size = rows // N_CHUNKS
    config = load_config(
        data={
            "problem_type": "binary_classification",
            "columns": {"prediction": "p", "predicted_probability": "q"},
            "chunking": {"size": size},
        }
    )
    ref = simulate(ref_rows, 1, "reference")
    ana = simulate(rows, 2, "analysis", drift)
    chunker = SizeChunker(size)
    rc = chunker.split(ref.n_rows, None, period="reference")
    ac = chunker.split(ana.n_rows, None, period="analysis", first_index=len(rc))
    data = MonitoringData(config, ref, ana, tuple(rc), tuple(ac))
    out = []
    for method in UNIVARIATE_METHODS.names() if per_method else ():
        for mode in ("method_default", "reference_quantile"):
            step = UnivariateDrift(methods=(method,), default_threshold=mode, threads=threads)
            _, cpu, wall = timed(lambda: step.fit(ref, rc, config).run(data))
            out.append((rows, method, mode, cpu, wall))
    for mode in ("method_default", "reference_quantile"):
        step = UnivariateDrift(default_threshold=mode, threads=threads)
        _, cpu, wall = timed(lambda: step.fit(ref, rc, config).run(data))
        out.append((rows, "ALL univariate", mode, cpu, wall))
    for cls in (DataQuality, SummaryStats):
        step = cls()
        _, cpu, wall = timed(lambda: step.fit(ref, rc, config).run(data))
        out.append((rows, cls.name, "-", cpu, wall))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--reference-chunks", type=int, default=10, help="reference = this many chunks of the analysis chunk size"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--drift", action="store_true", help="shift the second half of the analysis period (every feature)"
    )
    parser.add_argument(
        "--per-method-max-rows", type=int, default=2_000_000, help="time each method alone only up to this many rows"
    )
    args = parser.parse_args()
    print(f"{'analysis rows':>13} {'method':<20} {'thresholds':<19} {'CPU s':>7} {'wall s':>7}")
    for rows in args.rows:
        for r, method, mode, cpu, wall in bench(
            rows, args.reference_chunks * (rows // N_CHUNKS), args.threads, rows <= args.per_method_max_rows, args.drift
        ):
            print(f"{r:>13,} {method:<20} {mode:<19} {cpu:7.2f} {wall:7.2f}", flush=True)
    print(
        f"reference {args.reference_chunks} chunks of the analysis chunk size; {N_NUMERIC} numeric + {N_CATEGORICAL} categorical features; "
        f"{N_CHUNKS} chunks per period; threads {args.threads}; {'second half drifted' if args.drift else 'no drift'}; peak memory {peak_mb():,.0f} MB"
    )


if __name__ == "__main__":
    main()
