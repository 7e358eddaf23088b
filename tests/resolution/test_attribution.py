"""Concept-drift attribution: a chi-squared test on binned model residuals, per feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.config import validate_config
from reportgen.io import prepare_data
from reportgen.resolution.attribution import (
    benjamini_hochberg,
    bin_codes,
    concept_features,
    feature_shift,
    reference_excess,
    residuals,
)


def frames(n: int, seed: int, concept: float, problem: str) -> pd.DataFrame:
    """x drives the model; under concept drift the target starts to depend on z too; w is noise."""
    rng = np.random.default_rng(seed)
    x, z, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    cat = rng.choice(["a", "b", "c"], n)
    frame = pd.DataFrame({"id": np.arange(n), "x": x, "z": z, "w": w, "cat": cat})
    if problem == "regression":
        frame["y_pred"] = 3 * x
        frame["y"] = 3 * x + concept * 2 * z + rng.normal(size=n)
    else:
        p = 1 / (1 + np.exp(-2 * x))
        truth = 1 / (1 + np.exp(-(2 * x + concept * 2 * z)))
        frame["p"] = p
        frame["y_pred"] = (p > 0.5).astype(int)
        frame["y"] = (rng.random(n) < truth).astype(int)
    return frame


def data_for(problem: str, concept: float, seed: int = 0):
    cols = {"id": "id", "prediction": "y_pred", "target": "y", "features": ["x", "z", "w", "cat"]}
    if problem != "regression":
        cols["predicted_probability"] = "p"
    config = validate_config(
        {
            "problem_type": problem,
            "columns": cols,
            "chunking": {"size": 2000},
            **({"positive_class": 1} if problem != "regression" else {}),
        }
    )
    ref, ana = frames(8000, seed, 0.0, problem), frames(6000, seed + 1, 0.0, problem)
    drifted = frames(6000, seed + 2, concept, problem)
    ana.iloc[4000:] = drifted.iloc[4000:].to_numpy()
    ana["id"] = np.arange(8000, 14000)
    for col in ana.columns:
        ana[col] = ana[col].astype(ref[col].dtype)
    targets = ana[["id", "y"]]
    return prepare_data(config, ref, ana.drop(columns=["y"]), targets)


@pytest.mark.parametrize("problem", ["binary_classification", "regression"])
def test_names_the_feature_whose_link_changed(problem: str) -> None:
    data = data_for(problem, concept=1.0)
    last = data.analysis_chunks[-1].index
    found = concept_features(data, [last])
    assert found and found[0].feature == "z"
    assert "w" not in [s.feature for s in found] and "cat" not in [s.feature for s in found]
    # the chunks before the change show nothing
    assert concept_features(data, [c.index for c in data.analysis_chunks[:-1]]) == []


def test_no_targets_means_no_attribution() -> None:
    data = data_for("binary_classification", concept=1.0)
    assert concept_features(data, []) == []


def test_statistic_ignores_a_shift_shared_by_every_bin() -> None:
    rng = np.random.default_rng(3)
    ref_bins, ana_bins = rng.integers(0, 5, 3000), rng.integers(0, 5, 2000)
    ref_res, ana_res = rng.normal(size=(3000, 1)), rng.normal(size=(2000, 1))
    a = feature_shift("f", ref_bins, ana_bins, 5, ref_res, ana_res)
    b = feature_shift("f", ref_bins, ana_bins, 5, ref_res, ana_res + 0.7)
    assert a is not None and b is not None
    assert b.statistic == pytest.approx(a.statistic, rel=1e-9)
    assert a.dof == 4


def test_statistic_matches_a_hand_computed_case() -> None:
    # two bins, twenty rows each: mean residual changes by +1 in bin 0 and -1 in bin 1
    ref_bins = np.repeat([0, 1], 20)
    ana_bins = np.repeat([0, 1], 20)
    base = np.tile([-1.0, 1.0], 20)
    ref_res = base[:, None]
    ana_res = np.concatenate([base[:20] + 1, base[20:] - 1])[:, None]
    out = feature_shift("f", ref_bins, ana_bins, 2, ref_res, ana_res)
    # per bin: variance 1 in both periods, se^2 = 1/20 + 1/20 = 0.1; equal weights so the shared
    # shift is 0 and each bin adds 1^2 / 0.1
    assert out is not None and out.dof == 1
    assert out.statistic == pytest.approx(20.0)
    assert out.p_value == pytest.approx(stats.chi2.sf(20.0, 1))


def test_p_values_are_calibrated_under_the_null() -> None:
    rng = np.random.default_rng(11)
    rejections = 0
    reps = 300
    for _ in range(reps):
        rb, ab = rng.integers(0, 8, 1500), rng.integers(0, 8, 1000)
        out = feature_shift("f", rb, ab, 8, rng.normal(size=(1500, 1)), rng.normal(size=(1000, 1)))
        rejections += out.p_value < 0.05
    assert 0.02 <= rejections / reps <= 0.09


def test_benjamini_hochberg_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=30), rng.uniform(0, 1e-4, size=8)]).tolist()
    for alpha in (1e-3, 0.05, 0.2):
        want = stats.false_discovery_control(p) <= alpha
        assert benjamini_hochberg(p, alpha) == want.tolist()
    # hand case: sorted p (0.01, 0.02, 0.03, 0.5) at 0.05 -> thresholds 0.0125, 0.025, 0.0375: first three rejected
    assert benjamini_hochberg([0.5, 0.03, 0.01, 0.02], 0.05) == [False, True, True, True]


def test_a_pattern_reference_chunks_already_show_is_not_named() -> None:
    # the link with v swings from chunk to chunk in reference already (+/-0.5 per 2000 rows); only z's
    # link changes for good in the last analysis chunk
    def with_swing(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
        v = np.random.default_rng(seed).normal(size=len(frame))
        sign = np.where((np.arange(len(frame)) // 2000) % 2 == 0, 0.5, -0.5)
        return frame.assign(v=v, y=frame["y"] + sign * v)

    cols = {"id": "id", "prediction": "y_pred", "target": "y", "features": ["x", "z", "w", "v"]}
    config = validate_config({"problem_type": "regression", "columns": cols, "chunking": {"size": 2000}})
    ref = with_swing(frames(8000, 0, 0.0, "regression"), 50)
    ana = with_swing(frames(6000, 1, 0.0, "regression"), 51)
    drifted = with_swing(frames(6000, 2, 1.0, "regression"), 52)
    ana.iloc[4000:] = drifted.iloc[4000:].to_numpy()
    ana["id"] = np.arange(8000, 14000)
    for col in ana.columns:
        ana[col] = ana[col].astype(ref[col].dtype)
    data = prepare_data(config, ref.drop(columns=["cat"]), ana.drop(columns=["y", "cat"]), ana[["id", "y"]])
    last = data.analysis_chunks[-1].index
    rows = np.arange(data.analysis_chunks[-1].start_row, data.analysis_chunks[-1].end_row)
    ref_res, ana_res = residuals(data, "reference"), residuals(data, "analysis", rows)
    assert ref_res is not None and ana_res is not None
    v = data.reference.features["v"]
    rb, ab, n = bin_codes(v, v.values, data.analysis.features["v"].values[rows])
    alone = feature_shift("v", rb, ab, n, ref_res, ana_res)
    assert alone is not None and alone.p_value < 1e-6  # significant on its own ...
    assert alone.excess_per_row <= reference_excess(
        data, "v", v, ref_res, len(rows)
    )  # ... but no more than in reference
    assert [s.feature for s in concept_features(data, [last])] == ["z"]
