"""Trust per chunk: share of rows outside the reference's support, on simulated data where it is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.performance.dle import DLE
from reportgen.performance.overlap import Overlap
from tests.performance.helpers import prepare, regression_config, run_step, simulate_regression


@pytest.fixture(scope="module")
def data():
    ref = simulate_regression(10_000, seed=1)
    stable = simulate_regression(2_000, seed=2)
    inside = simulate_regression(2_000, seed=3, shift=0.5)  # mostly inside the support
    outside = simulate_regression(2_000, seed=4, shift=6.0)  # x1 ~ N(6, 1): almost all beyond ref's range
    broken = simulate_regression(2_000, seed=5)
    broken["pred"] = broken["pred"] + 4.0 * broken["x2"]  # each column in range, the joint relation broken
    ana = pd.concat([stable, inside, outside, broken], ignore_index=True)
    return prepare(regression_config(2000, performance={"metrics": ["mae", "rmse"], "threads": 1}), ref, ana)


def test_share_outside_matches_the_simulated_truth(data):
    overlap = Overlap().fit(data.reference)
    x1 = data.reference.features["x1"].values
    lo, hi = np.quantile(x1, [0.001, 0.999])
    outside_x1 = data.analysis.features["x1"].values
    truth = (outside_x1 < lo - 0.1 * (hi - lo)) | (outside_x1 > hi + 0.1 * (hi - lo))
    _, by_column = overlap.outside(data.analysis)
    assert np.array_equal(by_column["x1"], truth)
    assert overlap.reference_share_ < 0.01
    trust = overlap.assess(data.analysis, data.analysis_chunks)
    assert [t.level for t in trust] == ["high", "high", "low", "low"]
    assert trust[2].share_outside > 0.9 and "x1" in trust[2].reason
    assert "joint relation" in trust[3].reason


def test_estimated_records_carry_trust_and_reason(data):
    est = run_step(DLE, data)
    ana = est[est["period"] == "analysis"].sort_values(["metric", "chunk_index"])
    for _, rows in ana.groupby("metric"):
        assert rows["trust"].tolist() == ["high", "high", "low", "low"]
        assert rows["note"].iloc[2].startswith("trust low") or "trust low" in rows["note"].iloc[2]
    assert (est.loc[est["period"] == "reference", "trust"] == "high").all()
