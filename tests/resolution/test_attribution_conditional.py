"""The conditional attribution on simulated data with a known truth: correlated and drifting bystanders are not named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.config import validate_config
from reportgen.io import prepare_data
from reportgen.resolution.attribution import Calibrated, concept_features
from reportgen.resolution.residual_bins import ResidualProfile
from reportgen.resolution.residual_step import profile_of

FEATURES = ["x1", "x2", "x3", "x4", "x5", "cat"]


def frames(n: int, rng: np.random.Generator, problem: str, changed: dict[str, float], drift: float) -> pd.DataFrame:
    """x2 follows x1 (r = 0.8), x4 follows x3 (r = 0.7) and drifts by `drift`; the model knows the reference link.

    `changed` adds a step in the named features (sign of the value) to the target's link.
    """
    x1 = rng.normal(size=n)
    x3 = rng.normal(size=n)
    f = pd.DataFrame(
        {
            "id": np.arange(n),
            "x1": x1,
            "x2": 0.8 * x1 + 0.6 * rng.normal(size=n),
            "x3": x3,
            "x4": 0.7 * x3 + 0.7 * rng.normal(size=n) + drift,
            "x5": rng.normal(size=n),
            "cat": rng.choice(["a", "b", "c", "d"], n),
        }
    )
    link = 1.0 * f["x1"] + 0.8 * f["x3"] + 0.5 * (f["x4"] - drift) + 0.3 * (f["cat"] == "b")
    change = np.zeros(n) + sum(size * np.where(f[name] > 0, 1.0, -1.0) for name, size in changed.items())
    if problem == "regression":
        f["y_pred"] = link
        f["y"] = link + change + rng.normal(size=n)
        return f
    if problem == "binary_classification":
        f["p"] = 1 / (1 + np.exp(-link))
        f["y_pred"] = (f["p"] > 0.5).astype(int)
        f["y"] = (rng.random(n) < 1 / (1 + np.exp(-(link + 2 * change)))).astype(int)
        return f
    logits = np.column_stack([np.zeros(n), link, -link])
    moved = logits + np.column_stack([np.zeros(n), 2 * change, np.zeros(n)])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = np.exp(moved) / np.exp(moved).sum(axis=1, keepdims=True)
    for k in range(3):
        f[f"p{k}"] = proba[:, k]
    f["y_pred"] = proba.argmax(axis=1)
    f["y"] = (rng.random(n)[:, None] > truth.cumsum(axis=1)).sum(axis=1)
    return f


def profile_for(problem: str, seed: int, changed: dict[str, float], drift: float = 0.7) -> ResidualProfile:
    """6,000 reference rows, 6,000 analysis rows in chunks of 1,000; the last three chunks changed."""
    rng = np.random.default_rng(seed)
    cols: dict = {"id": "id", "prediction": "y_pred", "target": "y", "features": FEATURES}
    extra: dict = {}
    if problem == "binary_classification":
        cols["predicted_probability"] = "p"
        extra = {"positive_class": 1}
    elif problem == "multiclass_classification":
        cols["predicted_probability"] = {0: "p0", 1: "p1", 2: "p2"}
    config = validate_config({"problem_type": problem, "columns": cols, "chunking": {"size": 1000}, **extra})
    ref = frames(6000, rng, problem, {}, 0.0)
    ana = pd.concat(
        [frames(3000, rng, problem, {}, 0.0), frames(3000, rng, problem, changed, drift)], ignore_index=True
    )
    ana["id"] = np.arange(6000, 12000)
    return profile_of(prepare_data(config, ref, ana.drop(columns=["y"]), ana[["id", "y"]]), config)


PROBLEMS = ["regression", "binary_classification", "multiclass_classification"]


@pytest.mark.parametrize("problem", PROBLEMS)
def test_precision_and_recall_over_seeds(problem: str) -> None:
    """One changed link (x1), then two (x1, x3), while x2 (follows x1) and x4 (drifts) keep theirs."""
    sizes = {"regression": 0.6, "binary_classification": 0.5, "multiclass_classification": 0.6}[problem]
    tp = fp = fn = 0
    for seed in range(3):
        for truth in ({"x1"}, {"x1", "x3"}):
            profile = profile_for(problem, seed, {name: sizes for name in truth})
            chunks = sorted(profile.analysis_chunks)
            named = {s.feature for s in concept_features(profile, chunks[3:])}
            tp, fp, fn = tp + len(named & truth), fp + len(named - truth), fn + len(truth - named)
            assert concept_features(profile, chunks[:3]) == []  # before the change: nothing
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.9


def test_a_correlated_feature_is_explained_by_the_changed_one() -> None:
    """x2 carries x1's residual pattern on its own (the old, marginal test named it); given x1 it does not."""
    profile = profile_for("regression", 0, {"x1": 0.6})
    chunks = sorted(profile.analysis_chunks)
    calibrated = Calibrated(profile, profile.analysis(chunks[3:]))
    x1, x2 = profile.names.index("x1"), profile.names.index("x2")
    alone, alone_dof = calibrated.tested.statistic(x2, [])
    given, given_dof = calibrated.tested.statistic(x2, [x1])
    assert stats.chi2.sf(alone, alone_dof) < 1e-20
    assert stats.chi2.sf(given, given_dof) > 1e-3
    assert [s.feature for s in concept_features(profile, chunks[3:])] == ["x1"]


def test_inputs_that_only_drift_are_not_named() -> None:
    """x4 drifts by 1.5 sd with its link unchanged; nothing else changes."""
    for problem in PROBLEMS:
        profile = profile_for(problem, 4, {}, drift=1.5)
        assert concept_features(profile, sorted(profile.analysis_chunks)[3:]) == []
