"""Benchmark: multivariate drift (PCA reconstruction error, domain classifier) on 20 numeric + 5 categorical features.

Prints CPU seconds (process_time, all threads) and wall seconds for fit (reference, incl. the
reference chunks' leave-one-chunk-out scores) and run (all analysis chunks), with the calibrated
`reference_quantile` threshold and with NannyML's classic rule (mean + 3 std of the reference
chunks: no null draws), so the difference is the calibration overhead; plus peak memory.
Arrays are simulated directly (no file reading): numeric features share two latent factors, so
PCA has structure to find; the analysis period drifts in its second half.

    python benchmarks/bench_multivariate.py                      # PCA at 1M and 10M, DC at 1M rows
    python benchmarks/bench_multivariate.py --pca-rows 1000000 --dc-rows 200000
    # domain classifier at 10M analysis rows (200 chunks of 50k, half drifted), chunk AUCs saved to compare runs
    python benchmarks/bench_multivariate.py --pca-rows --dc-rows 10000000 --modes method_default --values-out /tmp/dc

Measured 2026-11-27 (2 shared CPUs, load ~5; CPU s), domain classifier, 1M reference rows, 200 chunks:
  1M analysis rows, method_default      fit 16.01 -> 5.05   run 30.72 -> 29.16  (all 200 -> 40 reference chunks scored)
  1M analysis rows, reference_quantile  fit 16.37 -> 5.42   run 33.27 -> 32.22
  10M analysis rows, method_default     run 190.92 (each task its own bin edges) -> 149.41 (shared edges)
  + single-threaded predict/binning: 1M method_default fit 5.01 run 29.01; reference_quantile fit 4.69 run 31.70
  whole workflow at 100k analysis rows (benchmarks/bench_workflow.py --rows 100000 --formats json): domain_classifier
  stage 27.94 -> 17.78 CPU s, same 712 alerts.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time

import numpy as np

import reportgen.drift.domain_classifier as domain_classifier
from reportgen.chunking import NumberChunker
from reportgen.config import load_config
from reportgen.dataset import Column, Dataset, MonitoringData
from reportgen.drift.domain_classifier_drift import DomainClassifierDrift
from reportgen.drift.multivariate import PCAReconstructionDrift

N_NUMERIC, N_CATEGORICAL, N_CHUNKS = 20, 5, 200
VALUES_OUT: str | None = None  # --values-out


def simulate(rows: int, seed: int, period: str, drift_share: float = 0.0) -> Dataset:
    """20 numeric features on two latent factors (1% missing in some), 5 categoricals; the last `drift_share` drifts."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(rows, 2))
    sign = np.ones(rows)
    sign[
        int(round(rows * (1.0 - drift_share))) :
    ] = -1.0  # drifted rows: features 3, 7, 11, ... flip their loading (marginals unchanged)
    feats = {}
    for j in range(N_NUMERIC):
        loading = 0.8 * (sign if j % 4 == 3 else 1.0)
        v = factors[:, j % 2] * loading + rng.normal(scale=0.6, size=rows)
        if j % 5 == 4:
            v[rng.random(rows) < 0.01] = np.nan
        feats[f"num_{j}"] = Column(f"num_{j}", "continuous", v)
    for j in range(N_CATEGORICAL):
        k = (3, 5, 10, 20, 50)[j]
        codes = rng.integers(0, k, size=rows).astype(np.int32)
        feats[f"cat_{j}"] = Column(f"cat_{j}", "categorical", codes, tuple(f"c{i}" for i in range(k)))
    return Dataset(period=period, n_rows=rows, features=feats, y_pred=np.zeros(rows, np.int64))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn):
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def monitoring_data(ref_rows: int, rows: int, mode: str, drift_share: float) -> MonitoringData:
    config = load_config(
        data={
            "problem_type": "binary_classification",
            "columns": {"prediction": "p", "predicted_probability": "q"},
            "chunking": {"number": N_CHUNKS},
            "drift": {"default_threshold": mode},
        }
    )
    ref = simulate(ref_rows, 1, "reference")
    ana = simulate(rows, 2, "analysis", drift_share)
    chunker = NumberChunker(N_CHUNKS)
    rc = chunker.split(ref.n_rows, None, period="reference")
    ac = chunker.split(ana.n_rows, None, period="analysis", first_index=len(rc))
    return MonitoringData(config, ref, ana, tuple(rc), tuple(ac))


def bench(
    cls, ref_rows: int, rows: int, drift_share: float, modes: tuple[str, ...] = ("method_default", "reference_quantile")
) -> list[tuple]:
    out = []
    for mode in modes:
        data = monitoring_data(ref_rows, rows, mode, drift_share)
        step = cls.from_config(data.config)
        _, fit_cpu, fit_wall = timed(lambda: step.fit(data.reference, data.reference_chunks, data.config))
        res, run_cpu, run_wall = timed(lambda: step.run(data))
        ana = res[res["period"] == "analysis"]
        if VALUES_OUT:
            np.save(f"{VALUES_OUT}.{cls.name}.{rows}.{mode}.npy", res["value"].to_numpy(dtype=float))
        cut = int(round(len(ana) * (1.0 - drift_share)))
        alerts_first = int(ana["alert"][:cut].sum())
        alerts_second = int(ana["alert"][cut:].sum())
        out.append(
            (cls.name, rows, ref_rows, mode, fit_cpu, fit_wall, run_cpu, run_wall, f"{alerts_first}/{alerts_second}")
        )
        print(
            "  done:",
            *(f"{v:.2f}" if isinstance(v, float) else v for v in out[-1]),
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        data = step = res = None  # free the arrays before the next mode
        gc.collect()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pca-rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--dc-rows", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--reference-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--drift-share",
        type=float,
        default=0.5,
        help="share of analysis chunks with a correlation flip (drifted chunks train more trees)",
    )
    parser.add_argument(
        "--modes", nargs="+", default=["method_default", "reference_quantile"], help="threshold rules to time"
    )
    parser.add_argument(
        "--max-chunk-rows",
        type=int,
        default=None,
        help="override MAX_CHUNK_ROWS (bigger chunks are scored on a sample this size; 0: every row)",
    )
    parser.add_argument(
        "--values-out", default=None, help="write each run's chunk values to FILE.<method>.<rows>.<mode>.npy"
    )
    parser.add_argument(
        "--pool-rows", type=int, default=None, help="override POOL_ROWS (reference rows kept for bins and draws)"
    )
    args = parser.parse_args()
    if args.pool_rows is not None:
        domain_classifier.POOL_ROWS = args.pool_rows
    if args.max_chunk_rows is not None:
        domain_classifier.MAX_CHUNK_ROWS = args.max_chunk_rows
    global VALUES_OUT
    VALUES_OUT = args.values_out
    print(
        f"domain classifier: POOL_ROWS {domain_classifier.POOL_ROWS:,}, MAX_CHUNK_ROWS {domain_classifier.MAX_CHUNK_ROWS:,}"
    )
    rows_out = []
    for rows in args.pca_rows:
        rows_out += bench(PCAReconstructionDrift, args.reference_rows, rows, args.drift_share, tuple(args.modes))
    for rows in args.dc_rows:
        rows_out += bench(DomainClassifierDrift, args.reference_rows, rows, args.drift_share, tuple(args.modes))
    head = f"{'method':<20}{'rows':>11}{'ref rows':>11}  {'threshold':<20}{'fit cpu':>9}{'fit wall':>9}{'run cpu':>9}{'run wall':>9}{'total wall':>11}  alerts stable/drifted"
    print(head)
    print("-" * len(head))
    by_key = {}
    for name, rows, ref_rows, mode, fc, fw, rc, rw, alerts in rows_out:
        by_key[(name, rows, mode)] = fw + rw
        print(
            f"{name:<20}{rows:>11,}{ref_rows:>11,}  {mode:<20}{fc:>9.2f}{fw:>9.2f}{rc:>9.2f}{rw:>9.2f}{fw + rw:>11.2f}  {alerts}"
        )
    print()
    for (name, rows, mode), total in by_key.items():
        if mode == "reference_quantile":
            base = by_key.get((name, rows, "method_default"))
            if base:
                print(
                    f"calibration overhead {name} at {rows:,} rows: {total - base:+.2f} s wall ({(total - base) / base:+.0%})"
                )
    print(
        f"peak memory: {peak_mb():,.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the machine is shared)"
    )


if __name__ == "__main__":
    main()
