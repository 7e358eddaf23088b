"""Benchmark: CBPE estimate + realized performance (binary), and DLE fit + estimate (regression).

Prints CPU seconds (process_time), wall seconds and peak memory (max RSS of the process) per
scenario. Arrays are simulated directly (no file reading). Each scenario runs in its own process
so the peak memory is its own.

    python benchmarks/bench_performance.py                    # CBPE at 1M and 10M, DLE at 1M
    python benchmarks/bench_performance.py --cbpe-rows 1000000 --dle-rows 1000000 --threads 2

Targets (issue 3, this 2-core machine): CBPE estimate + realized at 1M rows under 2 s together;
DLE fit on 60k reference rows + estimate on 1M rows x 7 features under 15 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from reportgen.chunking import SizeChunker
from reportgen.config import load_config
from reportgen.dataset import Column, Dataset, MonitoringData

CHUNKS = 200


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def binary_period(rows: int, seed: int, period: str, shift: float = 0.0) -> Dataset:
    """Calibrated binary model outputs with targets (no features: CBPE uses only the outputs)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, rows)
    p = 1.0 / (1.0 + np.exp(-2.0 * x))
    y = (rng.random(rows) < p).astype(np.int64)
    return Dataset(
        period=period,
        n_rows=rows,
        features={},
        y_pred=(p > 0.5).astype(np.int64),
        y_proba=np.column_stack([1 - p, p]),
        y_true=y,
        classes=(0, 1),
    )


def regression_period(rows: int, seed: int, period: str, shift: float = 0.0) -> Dataset:
    """7 features (5 continuous, 2 categorical), heteroscedastic target, prediction = true mean."""
    rng = np.random.default_rng(seed)
    feats = {}
    cont = [rng.normal(shift if j == 0 else 0.0, 1.0, rows) for j in range(5)]
    for j, v in enumerate(cont):
        feats[f"x{j}"] = Column(f"x{j}", "continuous", v)
    cats = [rng.integers(0, k, rows).astype(np.int32) for k in (4, 12)]
    for j, c in enumerate(cats):
        feats[f"c{j}"] = Column(f"c{j}", "categorical", c, tuple(f"v{i}" for i in range((4, 12)[j])))
    f = 3 * cont[0] + 2 * cont[1] - cont[2] + 0.5 * cats[0] + 20
    sd = 0.3 + np.abs(cont[0]) + 0.5 * (cats[1] % 3 == 0)
    y = f + rng.normal(0, 1, rows) * sd
    return Dataset(period=period, n_rows=rows, features=feats, y_pred=f, y_true=y)


def monitoring(config: dict, ref: Dataset, ana: Dataset) -> MonitoringData:
    cfg = load_config(data=config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_chunks = SizeChunker(max(ref.n_rows // 20, 1)).split(ref.n_rows, None, period="reference")
        ana_chunks = SizeChunker(max(ana.n_rows // CHUNKS, 1)).split(
            ana.n_rows, None, period="analysis", first_index=len(ref_chunks)
        )
    return MonitoringData(cfg, ref, ana, tuple(ref_chunks), tuple(ana_chunks))


def timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def bench_cbpe(rows: int) -> list[dict]:
    from reportgen.performance.cbpe import CBPE
    from reportgen.performance.realized import RealizedPerformance

    config = {
        "problem_type": "binary_classification",
        "columns": {"prediction": "p", "predicted_probability": "pp", "target": "y", "features": ["x"]},
    }
    data = monitoring(config, binary_period(50_000, 1, "reference"), binary_period(rows, 2, "analysis", shift=-0.3))
    out = []
    cbpe, c_fit, w_fit = timed(lambda: CBPE().fit(data.reference, data.reference_chunks, data.config))
    real, r_fit, rw_fit = timed(lambda: RealizedPerformance().fit(data.reference, data.reference_chunks, data.config))
    _, c_run, w_run = timed(lambda: cbpe.run(data))
    _, r_run, rw_run = timed(lambda: real.run(data))
    out.append({"scenario": "CBPE fit (50k ref)", "rows": rows, "cpu": c_fit, "wall": w_fit})
    out.append({"scenario": "CBPE estimate", "rows": rows, "cpu": c_run, "wall": w_run})
    out.append({"scenario": "realized", "rows": rows, "cpu": r_run, "wall": rw_run})
    out.append(
        {
            "scenario": "CBPE estimate + realized",
            "rows": rows,
            "cpu": c_run + r_run,
            "wall": w_run + rw_run,
            "peak_mb": peak_mb(),
        }
    )
    return out


def bench_dle(rows: int, threads: int | None) -> list[dict]:
    from reportgen.performance.dle import DLE

    perf: dict = {}
    if threads:
        perf["threads"] = threads
    config = {
        "problem_type": "regression",
        "columns": {"prediction": "p", "target": "y", "features": ["x0"]},
        "performance": perf,
    }
    data = monitoring(
        config, regression_period(60_000, 1, "reference"), regression_period(rows, 2, "analysis", shift=0.3)
    )
    dle, c_fit, w_fit = timed(lambda: DLE().fit(data.reference, data.reference_chunks, data.config))
    _, c_run, w_run = timed(lambda: dle.run(data))
    return [
        {"scenario": "DLE fit (60k ref, 4 loss models)", "rows": rows, "cpu": c_fit, "wall": w_fit},
        {"scenario": "DLE estimate", "rows": rows, "cpu": c_run, "wall": w_run},
        {
            "scenario": "DLE fit + estimate",
            "rows": rows,
            "cpu": c_fit + c_run,
            "wall": w_fit + w_run,
            "peak_mb": peak_mb(),
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cbpe-rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--dle-rows", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--threads", type=int, default=None, help="LightGBM threads (default: every core)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, rows = args.one.split(":")
        rows_i = int(rows)
        print(json.dumps(bench_cbpe(rows_i) if kind == "cbpe" else bench_dle(rows_i, args.threads)))
        return
    rows_out = []
    jobs = [f"cbpe:{r}" for r in args.cbpe_rows] + [f"dle:{r}" for r in args.dle_rows]
    for job in jobs:
        cmd = [sys.executable, __file__, "--one", job] + (["--threads", str(args.threads)] if args.threads else [])
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows_out.extend(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'scenario':38s} {'analysis rows':>14s} {'CPU s':>8s} {'wall s':>8s} {'peak MB':>8s}")
    for r in rows_out:
        peak = f"{r['peak_mb']:.0f}" if "peak_mb" in r else ""
        print(f"{r['scenario']:38s} {r['rows']:>14,d} {r['cpu']:8.2f} {r['wall']:8.2f} {peak:>8s}")


if __name__ == "__main__":
    main()
