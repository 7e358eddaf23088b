"""`reportgen run` on the Spark engine writes the report of the local engine: same records (to 1e-9),
diagnoses, chunks and data summary, for the three problem types and size, number and period chunking."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reportgen.monitor import Monitor
from samples.generator import generate

pytestmark = pytest.mark.spark

CASES = [
    ("binary", {"size": 500}),
    ("multiclass", {"period": "M"}),
    ("regression", {"number": 7}),
]


def same(a: Any, b: Any) -> bool:
    """Equal, floats to 1e-9 (NaN equal to NaN), containers element by element."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize(("problem", "chunking"), CASES)
def test_the_spark_report_is_the_local_report(spark, tmp_path: Path, problem: str, chunking: dict) -> None:
    sample = generate(problem, rows_per_month=150, seed=3)
    target = sample.config["columns"]["target"]
    settings = {k: v for k, v in sample.config.items() if k not in ("reference", "analysis", "targets")}
    settings["chunking"] = chunking
    # Spark reads the analysis rows out of time order from Parquet and joins the targets file itself
    analysis_path, targets_path = tmp_path / "analysis.parquet", tmp_path / "targets.csv"
    sample.analysis.drop(columns=[target], errors="ignore").sample(frac=1.0, random_state=1).to_parquet(analysis_path)
    sample.targets.to_csv(targets_path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = Monitor(settings).run(sample.reference, sample.analysis, sample.targets)
        on_spark = Monitor(
            {
                **settings,
                "analysis": str(analysis_path),
                "targets": str(targets_path),
                "engine": {"type": "spark", "master": "local[2]"},
            }
        ).run_streamed(sample.reference)
    pd.testing.assert_frame_equal(local.results, on_spark.results, check_exact=False, rtol=1e-9, atol=1e-12)
    assert same(local.model.diagnoses, on_spark.model.diagnoses)
    assert same(local.model.chunks, on_spark.model.chunks)
    assert same(local.model.data_summary, on_spark.model.data_summary)
