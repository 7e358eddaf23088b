"""Benchmark data: car-loan rows from the sample generator, widened to 25 features, as Parquet.

20 numeric features (the generator's 6 plus 14 derived ones: ratios, logs, noisy copies, whole
numbers with ties, 1% missing in some) and 5 categorical (the generator's 3 plus `channel` and
`dealer_group`, 50 levels). Model outputs come from the generator's credit score (a calibrated
probability, `y_pred_proba`, `y_pred`) and the target `repaid` is drawn from it. The analysis file's
last fifth follows the generator's "performance_shift" regime (debt_to_income moves), so steps
have something to find.

Files are cached under benchmarks/data/ (git-ignored; `data=` elsewhere, e.g. /tmp for 50M rows)
and written in row groups of 1M rows, so memory stays bounded at any size; `parts=N` writes the
analysis as a folder of N files.

    python benchmarks/datagen.py --rows 1000000 10000000        # analysis files (+ the reference)
    from benchmarks.datagen import dataset_paths, benchmark_config
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
BLOCK = 1_000_000
REFERENCE_ROWS = 1_000_000
N_EXTRA_NUMERIC = 14
CHANNELS = ("branch", "online", "broker", "dealer", "phone")
DEALER_GROUPS = tuple(f"group_{i:02d}" for i in range(50))
NUMERIC_FEATURES = (
    "car_value",
    "debt_to_income",
    "loan_length",
    "driver_age",
    "annual_mileage",
    "income",
    *(f"num_{i:02d}" for i in range(N_EXTRA_NUMERIC)),
)
CATEGORICAL_FEATURES = ("salary_range", "region", "vehicle_type", "channel", "dealer_group")


def _block(
    n: int, rng: np.random.Generator, regime: str, start: pd.Timestamp, seconds: float, first_id: int
) -> pd.DataFrame:
    from reportgen.samples.generator import credit_score, draw_features

    x = draw_features(n, rng, regime)
    score = credit_score(x, concept=False)
    p = 1.0 / (1.0 + np.exp(-score))
    frame: dict[str, Any] = {
        "id": np.arange(first_id, first_id + n, dtype=np.int64),
        "timestamp": (start + pd.to_timedelta(np.sort(rng.uniform(0, seconds, n)), unit="s")).to_numpy(
            dtype="datetime64[ns]"
        ),
    }
    for name in ("car_value", "debt_to_income", "loan_length", "driver_age", "annual_mileage", "income"):
        frame[name] = np.asarray(x[name], dtype=np.float64)
    base = [frame["car_value"], frame["debt_to_income"], frame["income"], frame["annual_mileage"]]
    for i in range(N_EXTRA_NUMERIC):
        kind = i % 4
        src = base[i % len(base)]
        if kind == 0:
            v = np.log1p(src) + rng.normal(0, 0.1, n)
        elif kind == 1:
            v = src / (1.0 + frame["loan_length"]) * rng.lognormal(0, 0.1, n)
        elif kind == 2:
            v = rng.integers(0, 40, n).astype(np.float64)  # whole numbers with many ties
        else:
            v = rng.normal(0, 1, n) + 0.01 * (src - np.nanmean(src)) / (np.nanstd(src) + 1e-12)
            v[rng.random(n) < 0.01] = np.nan
        frame[f"num_{i:02d}"] = v
    frame["salary_range"] = x["salary_range"]
    frame["region"] = x["region"]
    frame["vehicle_type"] = x["vehicle_type"]
    frame["channel"] = np.asarray(CHANNELS, dtype=object)[rng.choice(len(CHANNELS), n, p=(0.3, 0.35, 0.15, 0.15, 0.05))]
    frame["dealer_group"] = np.asarray(DEALER_GROUPS, dtype=object)[
        np.minimum(rng.geometric(0.08, n) - 1, len(DEALER_GROUPS) - 1)
    ]
    proba = np.clip(p + rng.normal(0, 0.02, n), 0.0, 1.0)
    frame["y_pred_proba"] = proba
    frame["y_pred"] = (proba >= 0.5).astype(np.int64)
    frame["repaid"] = (rng.random(n) < p).astype(np.int64)
    return pd.DataFrame(frame)


def _frames(rows: int, seed: int, period: str) -> Iterator[pd.DataFrame]:
    """The period's rows in blocks of BLOCK, in time order (one random stream: same rows whatever the files)."""
    rng = np.random.default_rng([seed, 0 if period == "reference" else 1])
    start = pd.Timestamp("2023-01-01" if period == "reference" else "2024-01-01")
    year = 365 * 86400.0
    first_id = 0 if period == "reference" else 10**12
    done = 0
    while done < rows:
        n = min(BLOCK, rows - done)
        regime = "performance_shift" if period == "analysis" and done >= 0.8 * rows else "stable"
        block_start = start + pd.Timedelta(seconds=year * done / rows)
        yield _block(n, rng, regime, block_start, year * n / rows, first_id + done)
        done += n


def make_dataset(
    rows: int, path: Path, *, seed: int = 0, period: str = "analysis", overwrite: bool = False, parts: int = 1
) -> Path:
    """Write `rows` rows to `path` (one Parquet file, or a folder of `parts` files) unless it exists.

    period "reference": stable, timestamps over 2023; "analysis": timestamps over 2024, the last
    fifth of the rows shifted (debt_to_income), ids after the reference's.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if path.exists() and not overwrite:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    if parts > 1:
        tmp.mkdir(parents=True, exist_ok=True)
    per_part = -(-rows // BLOCK // parts) * BLOCK  # whole blocks per file
    writer: pq.ParquetWriter | None = None
    written = part = 0
    for frame in _frames(rows, seed, period):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            target = tmp / f"part-{part:03d}.parquet" if parts > 1 else tmp
            writer = pq.ParquetWriter(target, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=BLOCK)
        written += len(frame)
        if parts > 1 and written >= per_part * (part + 1):
            writer.close()
            writer, part = None, part + 1
    if writer is not None:
        writer.close()
    tmp.replace(path)
    return path


def dataset_paths(
    analysis_rows: int, reference_rows: int = REFERENCE_ROWS, *, seed: int = 0, data: Path = DATA, parts: int = 1
) -> tuple[Path, Path]:
    """(reference, analysis) Parquet files, made once and cached under `data` (default benchmarks/data/);
    with `parts` > 1 the analysis is a folder of that many files."""
    reference = make_dataset(
        reference_rows, data / f"reference_{reference_rows}_s{seed}.parquet", seed=seed, period="reference"
    )
    name = f"analysis_{analysis_rows}_s{seed}" + (f"_{parts}parts" if parts > 1 else ".parquet")
    analysis = make_dataset(analysis_rows, data / name, seed=seed, period="analysis", parts=parts)
    return reference, analysis


def benchmark_config(
    reference: Path | None = None, analysis: Path | None = None, *, chunks: int = 200, **extra: Any
) -> dict[str, Any]:
    """The config dict matching the benchmark files (binary classification, `chunks` equal chunks)."""
    config: dict[str, Any] = {
        "title": "Benchmark: car loan model, 25 features",
        "problem_type": "binary_classification",
        "columns": {
            "id": "id",
            "timestamp": "timestamp",
            "prediction": "y_pred",
            "predicted_probability": "y_pred_proba",
            "target": "repaid",
            "features": list(NUMERIC_FEATURES + CATEGORICAL_FEATURES),
        },
        "chunking": {"number": chunks},
        "positive_class": 1,
    }
    if reference is not None:
        config["reference"] = str(reference)
    if analysis is not None:
        config["analysis"] = str(analysis)
    config.update(extra)
    return config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="analysis rows")
    parser.add_argument("--reference-rows", type=int, default=REFERENCE_ROWS)
    args = parser.parse_args(argv)
    for rows in args.rows:
        t0 = time.perf_counter()
        ref, ana = dataset_paths(rows, args.reference_rows)
        print(
            f"{ana} ({ana.stat().st_size / 1e6:.0f} MB), {ref} ({ref.stat().st_size / 1e6:.0f} MB): {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
