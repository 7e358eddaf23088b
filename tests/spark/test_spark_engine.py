"""The Spark engine computes the chunks and per-chunk statistics of the local engine, from any row order."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reportgen.config import load_config
from reportgen.engine import LocalEngine
from reportgen.engine.schema import AnalysisSchema
from reportgen.engine.spark import SparkEngine
from reportgen.engine.spark_source import read_spark_source
from reportgen.io import prepare_data
from reportgen.pipeline_steps import applicable_steps
from tests.conftest import simulate_binary

pytestmark = pytest.mark.spark

COLUMNS = {
    "id": "id",
    "timestamp": "timestamp",
    "prediction": "y_pred",
    "predicted_probability": "y_pred_proba",
    "target": "y",
}


def _config(chunking: dict):
    return load_config(data={"problem_type": "binary_classification", "columns": COLUMNS, "chunking": chunking})


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    analysis = simulate_binary(3000, 3000, seed=2, shift=0.5)
    analysis.loc[::7, "x"] = np.nan
    # three rows share each time: the id orders them
    analysis["timestamp"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(3000) // 3 * 10, unit="min")
    return simulate_binary(3000, 0, seed=1), analysis


def _records(config, reference: pd.DataFrame, analysis: pd.DataFrame, engine_for) -> tuple[tuple, list]:
    _, chunks, records = _run(config, reference, analysis, engine_for)
    return chunks, records


def _run(config, reference: pd.DataFrame, analysis: pd.DataFrame, engine_for) -> tuple[Any, tuple, list]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the short last chunk, said once per engine
        data = prepare_data(config, reference, analysis)
        steps = [s for s in applicable_steps(config) if s.streams]
        engine = engine_for(data)
        for step in steps:
            step.fit(data.reference, data.reference_chunks, config)
            step.prepare(engine.analysis_chunks())
        stats = engine.map_chunk_stats(steps)
    return engine, engine.analysis_chunks(), [step.finalize(stats[step.name]) for step in steps]


@pytest.mark.parametrize("chunking", [{"size": 700, "incomplete": "drop"}, {"period": "W"}])
def test_spark_gives_the_chunks_and_records_of_the_local_engine(spark, tmp_path: Path, chunking: dict) -> None:
    config = _config(chunking)
    reference, analysis = _frames()
    path = tmp_path / "analysis"
    analysis.sample(frac=1.0, random_state=0).to_parquet(path, partition_cols=None, row_group_size=400)
    local_chunks, expected = _records(config, reference, analysis, lambda d: LocalEngine(d.analysis, d.analysis_chunks))
    frame = read_spark_source(spark, str(path)).repartition(3)  # rows out of time order, in 3 partitions
    spark_chunks, got = _records(
        config,
        reference,
        analysis,
        lambda d: SparkEngine(
            config, AnalysisSchema.of(d), first_index=len(d.reference_chunks), frame=frame, source=str(path)
        ),
    )
    assert spark_chunks == local_chunks
    for a, b in zip(expected, got):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


def test_read_all_gives_the_prepared_analysis_period(spark, tmp_path: Path) -> None:
    """What a part of the report that cannot use chunk statistics reads: every row, as prepared locally."""
    config = _config({"number": 3})
    reference, analysis = _frames()
    path = tmp_path / "analysis.parquet"
    analysis.sample(frac=1.0, random_state=3).to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(config, reference, analysis)
    engine = SparkEngine(
        config,
        AnalysisSchema.of(data),
        first_index=len(data.reference_chunks),
        frame=read_spark_source(spark, str(path)),
    )
    rows = engine.read_all()
    assert engine.n_rows == rows.n_rows == data.analysis.n_rows
    np.testing.assert_array_equal(rows.ids, data.analysis.ids)
    np.testing.assert_array_equal(rows.timestamps, data.analysis.timestamps)
    np.testing.assert_array_equal(rows.y_proba, data.analysis.y_proba)
    for name, column in data.analysis.features.items():
        np.testing.assert_array_equal(rows.features[name].values, column.values)
