"""The attribution reads mergeable per-chunk residual sums: in-memory rows, the run's artifact and a streamed run agree."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.config import validate_config
from reportgen.engine.parquet import ParquetEngine
from reportgen.engine.schema import AnalysisSchema
from reportgen.io import prepare_data
from reportgen.monitor import run_steps
from reportgen.resolution import resolve
from reportgen.resolution.attribution import concept_features
from reportgen.resolution.residual_bins import chunk_sums, merge, plan_bins
from reportgen.resolution.residual_step import ResidualBins, profile_of
from tests.resolution.test_attribution_conditional import FEATURES, frames


def case(problem: str = "regression"):
    """Reference 6,000 rows; analysis 6,000 rows in chunks of 1,000 with x1's link changed in the last three."""
    rng = np.random.default_rng(7)
    cols: dict = {"id": "id", "prediction": "y_pred", "target": "y", "features": FEATURES}
    extra: dict = {}
    if problem == "binary_classification":
        cols["predicted_probability"] = "p"
        extra = {"positive_class": 1}
    config = validate_config({"problem_type": problem, "columns": cols, "chunking": {"size": 1000}, **extra})
    ref = frames(6000, rng, problem, {}, 0.0)
    ana = pd.concat([frames(3000, rng, problem, {}, 0.0), frames(3000, rng, problem, {"x1": 1.0}, 0.0)])
    ana["id"] = np.arange(6000, 12000)
    return config, ref, ana.reset_index(drop=True)


def test_chunk_sums_add_up_to_the_sums_of_all_rows() -> None:
    config, ref, ana = case("binary_classification")
    data = prepare_data(config, ref, ana.drop(columns=["y"]), ana[["id", "y"]])
    profile = profile_of(data, config)
    whole = chunk_sums(plan_bins(data.reference), data.analysis, config.problem_type)
    merged = profile.analysis(profile.analysis_chunks)
    for name, moments in whole.items():
        np.testing.assert_array_equal(merged[name].count, moments.count)
        np.testing.assert_allclose(merged[name].total, moments.total, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(merged[name].squares, moments.squares, rtol=1e-12, atol=1e-9)
    assert merge([]) == {}


def test_the_run_artifact_and_the_rows_give_the_same_diagnosis() -> None:
    config, ref, ana = case()
    data = prepare_data(config, ref, ana.drop(columns=["y"]), ana[["id", "y"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = run_steps(config, data)
    from_rows = [d.to_dict() for d in resolve(report.results, data.chunks, config, data=data).diagnoses]
    concept = [d for d in report.model.diagnoses if d["code"] == "concept_drift"]
    assert concept and concept[0]["features"] == ["x1"]
    assert [d["features"] for d in from_rows] == [d["features"] for d in report.model.diagnoses]
    assert [d.get("attribution") for d in from_rows] == [d.get("attribution") for d in report.model.diagnoses]


def test_a_streamed_run_reads_the_same_sums(tmp_path: Path) -> None:
    config, ref, ana = case()
    path = tmp_path / "analysis.parquet"
    ana.to_parquet(path, row_group_size=700)  # row groups cut across chunks
    data = prepare_data(config, ref, ana.drop(columns=["y"]), ana[["id", "y"]])
    memory, streamed = ResidualBins(), ResidualBins()
    for step, engine in (
        (memory, None),
        (streamed, ParquetEngine(path, config, AnalysisSchema.of(data), first_index=len(data.reference_chunks))),
    ):
        step.fit(data.reference, data.reference_chunks, config)
        if engine is None:
            step.run(data)
        else:
            step.prepare(engine.analysis_chunks())
            step.finalize(engine.map_chunk_stats([step])[step.name])
    a, b = memory.profile(), streamed.profile()
    assert sorted(a.analysis_chunks) == sorted(b.analysis_chunks)
    for index, sums in a.analysis_chunks.items():
        for name, moments in sums.items():
            other = b.analysis_chunks[index][name]
            np.testing.assert_array_equal(moments.count, other.count)
            np.testing.assert_allclose(moments.total, other.total, rtol=1e-12, atol=1e-9)
    chunks = sorted(a.analysis_chunks)[3:]
    assert (
        [s.feature for s in concept_features(a, chunks)] == [s.feature for s in concept_features(b, chunks)] == ["x1"]
    )
    assert concept_features(a, chunks)[0].statistic == pytest.approx(concept_features(b, chunks)[0].statistic, rel=1e-9)


def test_a_streamed_run_names_the_same_features_without_reading_the_period(tmp_path: Path) -> None:
    from reportgen.config import load_config
    from reportgen.engine.deferred import StreamingFallbackWarning
    from reportgen.monitor import Monitor

    config, ref, ana = case()
    folder = tmp_path / "analysis"
    folder.mkdir()
    ana.to_parquet(folder / "part-0.parquet", row_group_size=700)
    raw = {**config.model_dump(exclude_none=True), "analysis": str(folder)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = Monitor(raw).run(ref, ana.drop(columns=["y"]), ana[["id", "y"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", StreamingFallbackWarning)  # the attribution reads the step's sums only
        streamed = Monitor(load_config(data={**raw, "engine": {"stream": True}})).run_streamed(ref)
    concept = [[d["features"], d["attribution"]] for d in memory.model.diagnoses if d["code"] == "concept_drift"]
    assert concept and concept[0][0] == ["x1"]
    assert concept == [
        [d["features"], d["attribution"]] for d in streamed.model.diagnoses if d["code"] == "concept_drift"
    ]
