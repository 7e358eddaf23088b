"""A streamed run (the analysis Parquet read chunk by chunk, only the reference in memory) builds the
report of the in-memory run: same records to 1e-9, diagnoses, chunks, data summary and warnings."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.engine.deferred import DeferredDataset
from reportgen.engine.streamed import StreamingWarning, streamed_run
from reportgen.monitor import Monitor
from samples.generator import generate

CASES = [
    ("binary", {"size": 700}),
    ("binary", {"number": 7}),
    ("binary", {"period": "M"}),
    ("multiclass", {"period": "M"}),
    ("regression", {"size": 700, "incomplete": "drop"}),
]


def _sample(problem: str, tmp_path: Path) -> tuple[Any, pd.DataFrame, Path]:
    """The sample with its targets joined into the analysis, written as a folder of Parquet files in time order."""
    sample = generate(problem, rows_per_month=200, seed=3)
    id_col = sample.config["columns"]["id"]
    analysis = sample.analysis.merge(sample.targets, on=id_col, how="left")
    folder = tmp_path / "analysis"
    folder.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(analysis)), 4)):
        analysis.iloc[part].to_parquet(folder / f"part-{k}.parquet", row_group_size=250)
    return sample, analysis, folder


def _config(sample: Any, chunking: dict, folder: Path, stream: bool) -> dict:
    config = {k: v for k, v in sample.config.items() if k not in ("reference", "analysis", "targets")}
    return {**config, "chunking": chunking, "analysis": str(folder), "engine": {"stream": stream, "batch_rows": 500}}


def same(a: Any, b: Any) -> bool:
    """Equal, floats to 1e-9 (NaN equal to NaN), containers element by element."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b) or (a is None and b is None)


@pytest.mark.parametrize(("problem", "chunking"), CASES, ids=lambda v: str(v))
def test_a_streamed_run_builds_the_in_memory_report(problem: str, chunking: dict, tmp_path: Path) -> None:
    sample, analysis, folder = _sample(problem, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = Monitor(_config(sample, chunking, folder, False)).run(sample.reference, analysis)
        config = load_config(data=_config(sample, chunking, folder, True))
        assert streamed_run(config)
        streamed = Monitor(config).run_streamed(sample.reference)
    assert isinstance(streamed.model.data_summary, list)
    pd.testing.assert_frame_equal(memory.results, streamed.results, check_exact=False, rtol=1e-9, atol=1e-12)
    for name in ("diagnoses", "chunks", "data_summary", "warnings"):
        assert same(getattr(memory.model, name), getattr(streamed.model, name)), name
    assert memory.model.metadata["analysis"] == streamed.model.metadata["analysis"]


def test_the_cli_streams_a_parquet_folder_and_writes_the_same_results(tmp_path: Path) -> None:
    sample, analysis, folder = _sample("binary", tmp_path)
    ref = tmp_path / "reference.parquet"
    sample.reference.to_parquet(ref)
    import yaml

    config = _config(sample, {"number": 5}, folder, True)
    config["reference"] = str(ref)
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    runs = {}
    for engine in ("streamed", "memory"):
        out = tmp_path / engine
        config["engine"]["stream"] = engine == "streamed"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        result = CliRunner().invoke(main, ["run", str(path), "--out", str(out), "--format", "json", "--quiet"])
        assert result.exit_code == 0, result.output
        runs[engine] = (out / "results.json").read_text(encoding="utf-8")
    import json

    a, b = json.loads(runs["streamed"]), json.loads(runs["memory"])
    for key in ("results", "diagnoses", "chunks", "summary", "warnings"):
        assert same(a[key], b[key]), key


def test_a_step_that_does_not_stream_reads_the_period_into_memory_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.drift.multivariate import PCAReconstructionDrift

    sample, _, folder = _sample("binary", tmp_path)
    config = load_config(data=_config(sample, {"number": 5}, folder, True))
    assert streamed_run(config)
    monkeypatch.setattr(PCAReconstructionDrift, "streams", False)  # as a plug-in step that does not stream
    with pytest.warns(StreamingWarning, match="pca_reconstruction does not stream"):
        assert not streamed_run(config)


def test_the_deferred_analysis_is_read_only_when_asked(tmp_path: Path) -> None:
    """A part that cannot stream finds the in-memory run's arrays, read once, with a warning."""
    from reportgen.engine.streamed import streamed_data
    from reportgen.io import prepare_data

    sample, analysis, folder = _sample("regression", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, _ = streamed_data(load_config(data=_config(sample, {"number": 5}, folder, True)), sample.reference)
        expected = prepare_data(
            load_config(data=_config(sample, {"number": 5}, folder, False)), sample.reference, analysis
        )
    assert isinstance(data.analysis, DeferredDataset) and not data.analysis.loaded
    assert data.analysis.n_rows == len(analysis) and data.analysis_chunks == expected.analysis_chunks
    with pytest.warns(UserWarning, match="reading the whole analysis period into memory"):
        features = data.analysis.features
    assert data.analysis.loaded
    for name, column in expected.analysis.features.items():
        np.testing.assert_array_equal(features[name].values, column.values)
    np.testing.assert_array_equal(data.analysis.timestamps, expected.analysis.timestamps)
    np.testing.assert_array_equal(data.analysis.y_true, expected.analysis.y_true)


def test_a_targets_file_is_joined_onto_each_streamed_chunk(tmp_path: Path) -> None:
    """The targets file's labels, joined per chunk by id, give the in-memory run's report (some rows
    unlabelled; the analysis files' own target column replaced, with the same notice)."""
    sample, analysis, folder = _sample("multiclass", tmp_path)
    target = sample.config["columns"]["target"]
    targets = sample.targets.iloc[::3].sample(frac=1.0, random_state=1)  # two thirds unlabelled, shuffled
    path = tmp_path / "targets.csv"
    targets.to_csv(path, index=False)
    config = {**_config(sample, {"period": "M"}, folder, True), "targets": str(path)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = Monitor({**config, "engine": {"stream": False}}).run(
            sample.reference, analysis, pd.read_csv(path), sources={"analysis": str(folder)}
        )
        streamed = Monitor(config).run_streamed(sample.reference, sources={"analysis": str(folder)})
    assert analysis[target].notna().all()
    pd.testing.assert_frame_equal(memory.results, streamed.results, check_exact=False, rtol=1e-9, atol=1e-12)
    for name in ("diagnoses", "chunks", "data_summary", "warnings"):
        assert same(getattr(memory.model, name), getattr(streamed.model, name)), name
    codes = [w["code"] for w in streamed.model.warnings]
    assert "target_overwritten" in codes and "targets_unmatched" in codes


def test_a_targets_file_is_checked_once_before_streaming(tmp_path: Path) -> None:
    from reportgen.engine.streamed import streamed_data
    from reportgen.errors import DataError

    sample, _, folder = _sample("binary", tmp_path)
    id_col = sample.config["columns"]["id"]
    path = tmp_path / "targets.csv"
    pd.concat([sample.targets, sample.targets.iloc[:1]]).to_csv(path, index=False)
    config = load_config(data={**_config(sample, {"number": 5}, folder, True), "targets": str(path)})
    with pytest.raises(DataError, match=f"targets.csv.*{id_col}"):
        streamed_data(config, sample.reference, sources={"targets": str(path)})


def test_the_chunk_join_equals_the_whole_period_join() -> None:
    """ChunkTargets.join gives io.join_targets' frame: dtypes, unmatched rows, ids as numbers in one file and text in the other."""
    from reportgen.engine.targets import ChunkTargets
    from reportgen.io import join_targets

    config = load_config(data={"problem_type": "regression", "columns": {"id": "id", "prediction": "p", "target": "y"}})
    numbers = pd.DataFrame({"id": np.arange(10), "p": np.arange(10.0), "y": 1.0})
    text = numbers.assign(id=numbers["id"].astype(str))
    for analysis in (numbers, text):
        for targets in (
            pd.DataFrame({"id": [3, 1, 7, 8], "y": [30, 10, 70, 80]}),
            pd.DataFrame({"id": np.arange(10)[::-1], "y": np.arange(10)}),
            pd.DataFrame({"id": ["3", "1"], "y": ["a", "b"]}),
        ):
            expected = join_targets(analysis, targets, config)
            got = ChunkTargets(targets, config, source="t.csv").join(analysis)
            pd.testing.assert_frame_equal(got, expected)
