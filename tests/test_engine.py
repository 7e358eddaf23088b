"""The engine seam: per-chunk statistics depend on the chunk's rows only, are small and picklable,
and fit -> prepare -> chunk_stats -> finalize gives what run() gives."""

from __future__ import annotations

import pickle
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from reportgen.config import load_config
from reportgen.dataset import Dataset
from reportgen.engine import LocalEngine
from reportgen.engine.views import chunk_view
from reportgen.io import prepare_data
from reportgen.pipeline_steps import applicable_steps
from tests.conftest import simulate_binary


def _copied(ds: Dataset) -> Dataset:
    """The same rows in fresh arrays: no view of a larger period is left."""
    copy = lambda a: None if a is None else np.array(a, copy=True)  # noqa: E731
    return replace(
        ds,
        features={n: replace(c, values=copy(c.values)) for n, c in ds.features.items()},
        outputs={n: replace(c, values=copy(c.values)) for n, c in ds.outputs.items()},
        y_pred=copy(ds.y_pred),
        y_proba=copy(ds.y_proba),
        y_true=copy(ds.y_true),
        timestamps=copy(ds.timestamps),
        ids=copy(ds.ids),
    )


def _assert_same(a: object, b: object) -> None:
    assert pickle.dumps(a) == pickle.dumps(b)


@pytest.fixture(scope="module")
def fitted():
    config = load_config(
        data={
            "problem_type": "binary_classification",
            "columns": {
                "id": "id",
                "timestamp": "timestamp",
                "prediction": "y_pred",
                "predicted_probability": "y_pred_proba",
                "target": "y",
            },
            "chunking": {"size": 700},
            "business_value": {
                "matrix": {"true_positive": 5, "false_positive": -2, "false_negative": -1, "true_negative": 0}
            },
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(config, simulate_binary(4200, 0, seed=1), simulate_binary(3600, 4200, seed=2, shift=0.4))
    steps = applicable_steps(config)
    for step in steps:
        step.fit(data.reference, data.reference_chunks, config)
    return data, [s for s in steps if s.streams]


def test_the_steps_that_stream(fitted) -> None:
    _, streaming = fitted
    names = {s.name for s in streaming}
    assert {
        "univariate_drift",
        "pca_reconstruction",
        "data_quality",
        "summary_stats",
        "realized_performance",
        "cbpe",
    } <= names
    assert "business_value" in names


def test_chunk_stats_depend_on_the_chunks_rows_only(fitted) -> None:
    data, steps = fitted
    for meta in data.analysis_chunks:
        view = chunk_view(data.analysis, meta)
        alone = _copied(view)
        for step in steps:
            step.prepare(data.analysis_chunks)
            _assert_same(step.chunk_stats(view, meta), step.chunk_stats(alone, meta))


def test_chunk_stats_are_small_and_picklable(fitted) -> None:
    data, steps = fitted
    meta = data.analysis_chunks[0]
    view = chunk_view(data.analysis, meta)
    for step in steps:
        step.prepare(data.analysis_chunks)
        size = len(pickle.dumps(step.chunk_stats(view, meta)))
        assert size < 20_000, (step.name, size)  # the chunk has 700 rows x 7 columns: 39 kB of raw values


def test_one_pass_over_the_chunks_gives_what_run_gives(fitted) -> None:
    data, steps = fitted
    engine = LocalEngine(data.analysis, data.analysis_chunks)
    for step in steps:
        step.prepare(engine.analysis_chunks())
    stats = engine.map_chunk_stats(steps)
    for step in steps:
        streamed = step.finalize(stats[step.name])
        pd.testing.assert_frame_equal(streamed, step.run(data))


def test_finalize_sees_each_chunk_in_order(fitted) -> None:
    """Cumulative business value is summed in finalize, in chunk order."""
    data, steps = fitted
    step = next(s for s in steps if s.name == "business_value")
    frame = step.run(data)
    ana = frame[(frame["period"] == "analysis") & (frame["method"] == "realized")]
    per_chunk = ana[ana["metric"] == "business_value"].sort_values("chunk_index")["value"].to_numpy()
    cumulative = ana[ana["metric"] == "cumulative_business_value"].sort_values("chunk_index")["value"].to_numpy()
    np.testing.assert_allclose(cumulative, np.cumsum(per_chunk))


def test_a_fitted_step_stays_small_after_a_run(fitted) -> None:
    """Null scores and reference samples of a run are dropped after finalize."""
    data, steps = fitted
    step = next(s for s in steps if s.name == "univariate_drift")
    before = len(pickle.dumps(step))
    step.run(data)
    assert len(pickle.dumps(step)) < before + 200_000


def test_order_statistics_pass_from_univariate_drift_to_summary_statistics_through_the_chunk_memo() -> None:
    """Univariate drift keeps each chunk's min / max / median in that chunk's Dataset.memo; summary
    statistics reads them there (same values as computing them), and a new chunk starts with an empty memo."""
    from reportgen.drift.methods import ORDER_STATS
    from reportgen.drift.univariate import UnivariateDrift
    from reportgen.quality import SummaryStats

    columns = {"id": "id", "timestamp": "timestamp", "prediction": "y_pred", "predicted_probability": "y_pred_proba"}
    config = load_config(data={"problem_type": "binary_classification", "columns": columns, "chunking": {"size": 500}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(config, simulate_binary(2000, seed=1), simulate_binary(1500, 2000, seed=2, shift=0.4))
    drift = UnivariateDrift().fit(data.reference, data.reference_chunks, config)
    summary = SummaryStats().fit(data.reference, data.reference_chunks, config)
    assert (ORDER_STATS, "x") in data.reference.memo
    meta = data.analysis_chunks[1]
    rows = chunk_view(data.analysis, meta)
    assert rows.memo == {} and rows.memo is not data.analysis.memo
    plain = summary.chunk_stats(rows, meta)
    drift.chunk_stats(rows, meta)
    assert (ORDER_STATS, "x") in rows.memo
    assert summary.chunk_stats(rows, meta) == plain
    assert chunk_view(data.analysis, meta).memo == {}
