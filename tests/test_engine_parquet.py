"""Streaming a Parquet file or folder chunk by chunk gives the chunks and records of the in-memory run."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.config import load_config
from reportgen.engine import LocalEngine
from reportgen.engine.parquet import ParquetEngine
from reportgen.engine.schema import AnalysisSchema
from reportgen.errors import DataError
from reportgen.io import prepare_data
from reportgen.pipeline_steps import applicable_steps
from tests.conftest import simulate_binary

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
    analysis["timestamp"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(3000) // 3 * 10, unit="min")
    return simulate_binary(3000, 0, seed=1), analysis


def _records(config, reference: pd.DataFrame, analysis: pd.DataFrame, engine_for) -> tuple[tuple, list]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the short last chunk, said once per engine
        data = prepare_data(config, reference, analysis)
        steps = [s for s in applicable_steps(config) if s.streams]
        engine = engine_for(data)
        for step in steps:
            step.fit(data.reference, data.reference_chunks, config)
            step.prepare(engine.analysis_chunks())
        stats = engine.map_chunk_stats(steps)
    return engine.analysis_chunks(), [step.finalize(stats[step.name]) for step in steps]


@pytest.mark.parametrize("chunking", [{"size": 700, "incomplete": "keep"}, {"number": 4}, {"period": "D"}])
def test_streamed_parquet_equals_the_in_memory_run(tmp_path: Path, chunking: dict) -> None:
    config = _config(chunking)
    reference, analysis = _frames()
    shuffled = analysis.sample(frac=1.0, random_state=0)  # rows out of time order in the file
    path = tmp_path / "analysis.parquet"
    shuffled.to_parquet(path, row_group_size=500)
    memory_chunks, expected = _records(
        config, reference, shuffled, lambda d: LocalEngine(d.analysis, d.analysis_chunks)
    )
    streamed_chunks, got = _records(
        config,
        reference,
        shuffled,
        lambda d: ParquetEngine(
            path, config, AnalysisSchema.of(d), first_index=len(d.reference_chunks), batch_rows=256
        ),
    )
    assert streamed_chunks == memory_chunks
    for a, b in zip(expected, got):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


def test_a_time_ordered_folder_holds_one_chunk_at_a_time(tmp_path: Path) -> None:
    config = _config({"size": 500})
    reference, analysis = _frames()
    folder = tmp_path / "analysis"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(analysis)), 3)):
        analysis.iloc[part].to_parquet(folder / f"part-{i}.parquet")
    engines = []

    def make(d):
        engines.append(
            ParquetEngine(folder, config, AnalysisSchema.of(d), first_index=len(d.reference_chunks), batch_rows=100)
        )
        return engines[-1]

    chunks, got = _records(config, reference, analysis, make)
    _, expected = _records(config, reference, analysis, lambda d: LocalEngine(d.analysis, d.analysis_chunks))
    assert len(chunks) == 6 and engines[0].chunks_in_memory == 1
    for a, b in zip(expected, got):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)


def test_bad_values_name_the_file_and_chunk(tmp_path: Path) -> None:
    config = _config({"size": 1000})
    reference, analysis = _frames()
    analysis.loc[2500, "y_pred_proba"] = 1.5
    path = tmp_path / "analysis.parquet"
    analysis.to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(config, reference, analysis.assign(y_pred_proba=analysis["y_pred_proba"].clip(0, 1)))
    engine = ParquetEngine(path, config, AnalysisSchema.of(data), first_index=len(data.reference_chunks))
    step = next(s for s in applicable_steps(config) if s.name == "data_quality")
    step.fit(data.reference, data.reference_chunks, config)
    step.prepare(engine.analysis_chunks())
    with pytest.raises(DataError, match=r"analysis.parquet \(chunk \[2000:2999\]\).*\[0, 1\]"):
        engine.map_chunk_stats([step])


def test_reading_the_whole_period_stops_with_one_line_when_it_would_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part that does not stream asks for every row: refused when the decoded columns (held about
    twice while read) exceed half the memory available, instead of exhausting the machine."""
    from reportgen.engine import parquet

    config = _config({"number": 4})
    reference, analysis = _frames()
    path = tmp_path / "analysis.parquet"
    analysis.to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(config, reference, analysis)
    engine = ParquetEngine(path, config, AnalysisSchema.of(data), first_index=len(data.reference_chunks))
    assert engine.read_all().n_rows == len(analysis)
    monkeypatch.setattr(parquet, "available_memory", lambda: 100_000)
    with pytest.raises(DataError, match=r"analysis.parquet: .*whole analysis period in memory .* GB available"):
        engine.read_all()
