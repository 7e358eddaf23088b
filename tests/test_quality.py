"""data_quality and summary_stats: counts, rates, limits and statistics against pandas / hand values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.quality import DataQuality, SummaryStats
from reportgen.results import validate_results
from tests.drift.univariate_helpers import make_data

CATS = ("a", "b", "c")


def _run(cls, data):
    step = cls.from_config(data.config)
    step.fit(data.reference, data.reference_chunks, data.config)
    return step, step.run(data)


def _series(res, method, metric, column):
    sel = res[(res.method == method) & (res.metric == metric) & (res.column == column)]
    return sel.set_index("chunk_index")


def test_missing_and_unseen_rates_counts_and_alerts():
    rng = np.random.default_rng(0)
    ref = {"x": rng.normal(size=4000), "g": rng.integers(0, 3, 4000)}
    x = rng.normal(size=4000)
    x[5] = np.nan  # one stray missing value: no alert
    x[2000:2100] = np.nan  # a broken feed: alert
    g = rng.integers(0, 3, 4000)
    g[3500] = 3  # one unseen category: alert
    g[10:20] = 4  # missing
    data = make_data(ref, {"x": x, "g": g}, 1000, categories={"g": CATS})
    step, res = _run(DataQuality, data)
    validate_results(res)
    a0 = data.analysis_chunks[0].index
    miss = _series(res, "missing_values", "rate", "x")
    cnt = _series(res, "missing_values", "count", "x")
    assert cnt.loc[a0, "value"] == 1 and miss.loc[a0, "value"] == pytest.approx(0.001)
    assert not miss.loc[a0, "alert"] and miss.loc[a0 + 2, "alert"] and cnt.loc[a0 + 2, "value"] == 100
    assert miss["alert"].astype(bool).sum() == 1
    assert "100 of 1,000 rows" in miss.loc[a0 + 2, "note"]
    assert cnt["alert"].isna().all() and cnt["upper_threshold"].isna().all()
    assert _series(res, "missing_values", "count", "g").loc[a0, "value"] == 10
    unseen = _series(res, "unseen_values", "rate", "g")
    assert unseen.loc[a0 + 3, "alert"] and unseen["alert"].astype(bool).sum() == 1
    assert set(res[res.method == "unseen_values"]["column"]) == {"g"}
    # the rule: with a clean reference, up to 3 missing values in 1,000 rows pass, 4 alert
    upper = miss.loc[a0, "upper_threshold"]
    assert 0.003 <= upper < 0.004
    assert {n["method"] for n in step.method_notes()} == {"missing_values", "unseen_values"}


def test_configured_rate_threshold_wins():
    rng = np.random.default_rng(1)
    x = rng.normal(size=2000)
    x[:3] = np.nan
    cfg = {"thresholds": {"data_quality.missing_values": {"type": "constant", "upper": 0.001}}}
    data = make_data({"x": rng.normal(size=2000)}, {"x": x}, 1000, config=cfg)
    _, res = _run(DataQuality, data)
    miss = _series(res, "missing_values", "rate", "x")
    assert (miss["upper_threshold"] == 0.001).all()
    assert miss.loc[data.analysis_chunks[0].index, "alert"]


def test_summary_stats_equal_pandas():
    rng = np.random.default_rng(2)
    x = rng.normal(3, 2, size=3000)
    x[rng.random(3000) < 0.1] = np.nan
    x[2000:3000] = np.nan  # an empty chunk
    g = rng.integers(0, 5, 3000)  # 3 = unseen, 4 = missing
    data = make_data(
        {"x": rng.normal(size=2000), "g": rng.integers(0, 3, 2000)}, {"x": x, "g": g}, 1000, categories={"g": CATS}
    )
    _, res = _run(SummaryStats, data)
    validate_results(res)
    assert set(res[res.column == "x"]["metric"]) == {"mean", "std", "median", "min", "max", "rows"}
    assert set(res[res.column == "g"]["metric"]) == {"rows", "distinct"}
    for _pos, c in enumerate(data.analysis_chunks[:2]):
        s = pd.Series(x[c.start_row : c.end_row])
        got = res[(res.column == "x") & (res.chunk_index == c.index)].set_index("metric")["value"]
        assert got["mean"] == pytest.approx(s.mean(), rel=1e-12)
        assert got["std"] == pytest.approx(s.std(), rel=1e-12)
        assert got["median"] == pytest.approx(s.median(), rel=1e-12)
        assert got["min"] == s.min() and got["max"] == s.max() and got["rows"] == s.count()
        gc = g[c.start_row : c.end_row]
        gg = res[(res.column == "g") & (res.chunk_index == c.index)].set_index("metric")["value"]
        assert gg["rows"] == (gc != 4).sum() and gg["distinct"] == len(set(gc[gc != 4].tolist()))
    empty = res[(res.column == "x") & (res.chunk_index == data.analysis_chunks[2].index)].set_index("metric")
    assert empty.loc["rows", "value"] == 0 and empty.drop(index="rows")["value"].isna().all()
    assert (empty.drop(index="rows")["note"] == "no non-missing values in this chunk").all()
    assert res["alert"].isna().all()


def test_summary_stats_identical_after_univariate_drift_sorted_the_chunks():
    """min / max / median do not depend on whether univariate drift sorted the same chunks before."""
    from reportgen.drift.univariate import UnivariateDrift

    rng = np.random.default_rng(4)
    x = rng.normal(3, 2, size=3000)
    x[rng.random(3000) < 0.1] = np.nan
    x[2000:3000] = np.nan
    x[:500] = np.round(x[:500])  # ties
    data = make_data({"x": rng.normal(size=2000)}, {"x": x}, 1000)
    _, alone = _run(SummaryStats, data)  # nothing sorted yet: numpy min / max / median
    UnivariateDrift(methods=("kolmogorov_smirnov",)).fit(data.reference, data.reference_chunks, data.config).run(data)
    _, shared = _run(SummaryStats, data)
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), shared.reset_index(drop=True))
