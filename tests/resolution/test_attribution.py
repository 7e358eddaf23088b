"""Concept-drift attribution: a chi-squared test on binned model residuals, per feature, calibrated on the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.config import validate_config
from reportgen.io import prepare_data
from reportgen.resolution.attribution import (
    Calibrated,
    Comparison,
    benjamini_hochberg,
    concept_features,
)
from reportgen.resolution.residual_bins import BinMoments, FeatureBins, ResidualProfile
from reportgen.resolution.residual_step import profile_of


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
    return profile_of(prepare_data(config, ref, ana.drop(columns=["y"]), targets), config), config


@pytest.mark.parametrize("problem", ["binary_classification", "regression"])
def test_names_the_feature_whose_link_changed(problem: str) -> None:
    profile, _ = data_for(problem, concept=1.0)
    chunks = sorted(profile.analysis_chunks)
    found = concept_features(profile, chunks[-1:])
    assert [s.feature for s in found] == ["z"]
    # the chunks before the change show nothing
    assert concept_features(profile, chunks[:-1]) == []


def test_no_targets_means_no_attribution() -> None:
    profile, _ = data_for("binary_classification", concept=1.0)
    assert concept_features(profile, []) == []
    assert concept_features(None, sorted(profile.analysis_chunks)) == []


def one_feature_profile(ref: BinMoments, chunks: list[BinMoments]) -> ResidualProfile:
    """A profile of a single feature 'f' with the given reference and analysis moments."""
    bins = FeatureBins("f", ref.count.size, edges=np.arange(ref.count.size - 2, dtype=float))
    codes = np.repeat(np.arange(ref.count.size), ref.count.astype(int))[:, None]
    return ResidualProfile(
        (bins,), [{"f": ref}], [int(ref.count.sum())], codes, {i: {"f": m} for i, m in enumerate(chunks)}
    )


def moments(bins: np.ndarray, res: np.ndarray, n_bins: int) -> BinMoments:
    """Residual moments per bin, as the residual_bins step sums them."""
    return BinMoments(
        np.bincount(bins, minlength=n_bins).astype(float),
        np.bincount(bins, weights=res, minlength=n_bins)[None, :],
        np.bincount(bins, weights=res**2, minlength=n_bins)[None, :],
    )


def statistic(ref: BinMoments, ana: BinMoments) -> tuple[float, int]:
    profile = one_feature_profile(ref, [ana])
    return Comparison(profile, {"f": ref}, {"f": ana}).statistic(0, [])


def test_statistic_ignores_a_shift_shared_by_every_bin() -> None:
    rng = np.random.default_rng(3)
    ref_bins, ana_bins = rng.integers(0, 5, 3000), rng.integers(0, 5, 2000)
    ref_res, ana_res = rng.normal(size=3000), rng.normal(size=2000)
    a = statistic(moments(ref_bins, ref_res, 5), moments(ana_bins, ana_res, 5))
    b = statistic(moments(ref_bins, ref_res, 5), moments(ana_bins, ana_res + 0.7, 5))
    assert b[0] == pytest.approx(a[0], rel=1e-9)
    assert a[1] == b[1] == 4


def test_statistic_matches_a_hand_computed_case() -> None:
    # two bins, twenty rows each: mean residual changes by +1 in bin 0 and -1 in bin 1
    bins = np.repeat([0, 1], 20)
    base = np.tile([-1.0, 1.0], 20)
    changed = np.concatenate([base[:20] + 1, base[20:] - 1])
    stat, dof = statistic(moments(bins, base, 2), moments(bins, changed, 2))
    # per bin: variance 1 in both periods, se^2 = 1/20 + 1/20 = 0.1; equal weights so the shared
    # shift is 0 and each bin adds 1^2 / 0.1
    assert dof == 1
    assert stat == pytest.approx(20.0)


def test_p_values_are_calibrated_under_the_null() -> None:
    rng = np.random.default_rng(11)
    rejections = 0
    reps = 300
    for _ in range(reps):
        rb, ab = rng.integers(0, 8, 1500), rng.integers(0, 8, 1000)
        stat, dof = statistic(moments(rb, rng.normal(size=1500), 8), moments(ab, rng.normal(size=1000), 8))
        rejections += stats.chi2.sf(stat, dof) < 0.05
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
    profile = profile_of(data, config)
    last = data.analysis_chunks[-1].index
    calibrated = Calibrated(profile, profile.analysis([last]))
    v = profile.names.index("v")
    stat, dof = calibrated.tested.statistic(v, [])
    assert stats.chi2.sf(stat, dof) < 1e-6  # significant against sampling noise alone ...
    shift = calibrated.shift("v", v, [])
    assert shift is not None and shift.p_value > 1e-3  # ... but not against the reference's own swing
    assert [s.feature for s in concept_features(profile, [last])] == ["z"]
