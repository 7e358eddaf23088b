"""The sample generator is deterministic and each drift scenario has the effect truth.json claims.

Effects are measured on the committed copies (1,500 rows a month, seed SAMPLE_SEED) with scipy and
scikit-learn, independently of reportgen's own steps.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reportgen.samples import generator as gen
from scipy.stats import ks_2samp
from sklearn.metrics import mean_squared_error, roc_auc_score

from reportgen.config import load_config
from reportgen.inputs import load_inputs
from reportgen.io import prepare_data

PROBLEMS = gen.PROBLEM_TYPES
DIAGNOSIS_CODES = {
    "performance_drop_covariate_shift",
    "covariate_shift_no_impact",
    "concept_drift",
    "data_quality",
    "no_issue",
}
FILES = ("reference.csv", "analysis.csv", "analysis_targets.csv", "config.yaml", "truth.json")


@cache
def committed(problem: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Reference and analysis (with targets joined) of a committed sample, plus its truth."""
    folder = gen.committed_sample(problem).parent
    reference = pd.read_csv(folder / "reference.csv")
    analysis = pd.read_csv(folder / "analysis.csv").merge(pd.read_csv(folder / "analysis_targets.csv"), on="id")
    for frame in (reference, analysis):
        frame["month"] = frame["timestamp"].str[:7]
    return reference, analysis, json.loads((folder / "truth.json").read_text())


def realized(frame: pd.DataFrame, problem: str) -> float:
    """ROC AUC (macro one-vs-rest for multiclass) or RMSE of one month, by scikit-learn."""
    target = gen.TARGETS[problem]
    if problem == "binary_classification":
        return roc_auc_score(frame[target], frame["y_pred_proba"])
    if problem == "multiclass_classification":
        proba = frame[[f"y_pred_proba_{g}" for g in gen.GRADES]].to_numpy()
        return roc_auc_score(
            frame[target], proba / proba.sum(axis=1, keepdims=True), multi_class="ovr", labels=list(gen.GRADES)
        )
    return float(np.sqrt(mean_squared_error(frame[target], frame["y_pred"])))


def by_month(frame: pd.DataFrame, problem: str) -> pd.Series:
    return pd.Series({m: realized(g, problem) for m, g in frame.groupby("month", sort=True)})


def scenario(truth: dict, name: str) -> dict:
    return next(s for s in truth["scenarios"] if s["name"] == name)


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    for problem in ("binary_classification", "multiclass_classification"):
        a = gen.generate(problem, tmp_path / "a" / problem, rows_per_month=60, seed=7)
        b = gen.generate(problem, tmp_path / "b" / problem, rows_per_month=60, seed=7)
        for name in FILES:
            assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name
    c = gen.generate("binary_classification", tmp_path / "c", rows_per_month=60, seed=8)
    assert (c.folder / "analysis.csv").read_bytes() != (
        tmp_path / "a" / "binary_classification" / "analysis.csv"
    ).read_bytes()


@pytest.mark.parametrize("problem", PROBLEMS)
def test_committed_copies_are_what_the_generator_writes(problem: str, tmp_path: Path) -> None:
    fresh = gen.generate(problem, tmp_path, rows_per_month=gen.SAMPLE_ROWS_PER_MONTH, seed=gen.SAMPLE_SEED)
    folder = gen.committed_sample(problem).parent
    for name in FILES:
        assert (folder / name).read_bytes() == (fresh.folder / name).read_bytes(), (
            f"{problem}/{name} is stale: python -m reportgen.samples.generator"
        )


@pytest.mark.parametrize("problem", PROBLEMS)
def test_files_have_the_documented_layout(problem: str) -> None:
    reference, analysis, truth = committed(problem)
    folder = gen.committed_sample(problem).parent
    target = gen.TARGETS[problem]
    assert target in reference and target not in pd.read_csv(folder / "analysis.csv", nrows=1)
    assert list(pd.read_csv(folder / "analysis_targets.csv", nrows=1).columns) == ["id", target]
    assert (
        sorted(reference["month"].unique()) == truth["reference_chunk_keys"] == [f"2023-{m:02d}" for m in range(1, 13)]
    )
    assert sorted(analysis["month"].unique()) == [f"2024-{m:02d}" for m in range(1, 11)]
    assert (reference.groupby("month").size() == 1500).all() and (analysis.groupby("month").size() == 1500).all()
    assert not set(reference["id"]) & set(analysis["id"])
    for column in gen.FEATURES:
        assert column in reference and column in analysis
    if problem == "multiclass_classification":
        assert set(reference[target]) == set(gen.GRADES) == set(reference["y_pred"])
        proba = reference[[f"y_pred_proba_{g}" for g in gen.GRADES]].sum(axis=1)
        assert np.allclose(proba, 1.0, atol=1e-4)
    # The config loads and the data prepares into exactly the chunks truth.json names.
    config = load_config(folder / "config.yaml")
    data = prepare_data(config, *load_inputs(config)[:3])
    assert [c.key for c in data.reference_chunks] == truth["reference_chunk_keys"]
    keys = [c.key for c in data.analysis_chunks]
    named = [k for s in truth["scenarios"] for k in s["chunk_keys"]] + truth["stable_chunk_keys"]
    assert sorted(named) == keys
    assert {s["expected_diagnosis"] for s in truth["scenarios"]} <= DIAGNOSIS_CODES
    assert truth["problem_type"] == problem and truth["chunking"] == {"period": "M"}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_realized_performance_follows_the_schedule(problem: str) -> None:
    reference, analysis, truth = committed(problem)
    ref = by_month(reference, problem)
    ana = by_month(analysis, problem)
    worse = -1.0 if problem != "regression" else 1.0  # lower AUC, higher RMSE is worse
    z = worse * (ana - ref.mean()) / ref.std()
    for name in ("covariate_shift_performance_drop", "concept_drift"):
        keys = scenario(truth, name)["chunk_keys"]
        assert (z[keys] > 8).all(), (name, z[keys].round(1).to_dict())
        if problem == "regression":
            assert (ana[keys] > 1.4 * ref.mean()).all()
        else:
            assert (ana[keys] < ref.mean() - 0.08).all()
    quiet = (
        truth["stable_chunk_keys"]
        + scenario(truth, "covariate_shift_no_impact")["chunk_keys"]
        + scenario(truth, "data_quality")["chunk_keys"]
    )
    assert (z[quiet] < 2.5).all(), z[quiet].round(2).to_dict()


@pytest.mark.parametrize("problem", ["binary_classification", "multiclass_classification"])
def test_probabilities_see_the_covariate_shift_but_not_the_concept_drift(problem: str) -> None:
    """Labels drawn from the model's own probabilities: the AUC a label-free estimator can see."""
    reference, analysis, truth = committed(problem)
    rng = np.random.default_rng(0)

    def expected_auc(frame: pd.DataFrame) -> float:
        cols = ["y_pred_proba"] if problem == "binary_classification" else [f"y_pred_proba_{g}" for g in gen.GRADES]
        p = frame[cols].to_numpy()
        scores = []
        for _ in range(5):
            if problem == "binary_classification":
                y = (rng.random(len(p)) < p[:, 0]).astype(int)
                scores.append(roc_auc_score(y, p[:, 0]))
            else:
                p = p / p.sum(axis=1, keepdims=True)
                y = (rng.random(len(p))[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 2)
                scores.append(roc_auc_score(y, p, multi_class="ovr", labels=[0, 1, 2]))
        return float(np.mean(scores))

    ref = np.mean([expected_auc(g) for _, g in reference.groupby("month")])
    shift = [
        expected_auc(analysis[analysis["month"] == k])
        for k in scenario(truth, "covariate_shift_performance_drop")["chunk_keys"]
    ]
    concept = [expected_auc(analysis[analysis["month"] == k]) for k in scenario(truth, "concept_drift")["chunk_keys"]]
    assert all(s < ref - 0.08 for s in shift), (ref, shift)
    assert all(abs(c - ref) < 0.03 for c in concept), (ref, concept)
    # Calibrated in the shifted region: predicted and observed rates agree.
    if problem == "binary_classification":
        shifted = analysis[analysis["month"].isin(scenario(truth, "covariate_shift_performance_drop")["chunk_keys"])]
        assert abs(shifted["y_pred_proba"].mean() - shifted["repaid"].mean()) < 0.04


@pytest.mark.parametrize("problem", PROBLEMS)
def test_input_distributions_follow_the_schedule(problem: str) -> None:
    reference, analysis, truth = committed(problem)
    month = analysis.groupby("month")

    def ks(feature: str, key: str) -> float:
        return ks_2samp(reference[feature].dropna(), month.get_group(key)[feature].dropna()).statistic

    def linf(feature: str, key: str) -> float:
        ref = reference[feature].value_counts(normalize=True)
        ana = month.get_group(key)[feature].value_counts(normalize=True)
        return float(ref.sub(ana, fill_value=0).abs().max())

    for key in scenario(truth, "covariate_shift_performance_drop")["chunk_keys"]:
        assert ks("debt_to_income", key) > 0.4
    for key in scenario(truth, "covariate_shift_no_impact")["chunk_keys"]:
        assert ks("annual_mileage", key) > 0.5 and linf("region", key) > 0.2
    numeric = [f for f in gen.NUMERIC]
    # Concept drift and stable months: no input moves beyond what 1,500 rows show by chance.
    for key in scenario(truth, "concept_drift")["chunk_keys"] + truth["stable_chunk_keys"]:
        for feature in numeric:
            assert ks(feature, key) < 0.05, (key, feature)
        for feature in gen.CATEGORICAL:
            assert linf(feature, key) < 0.05, (key, feature)
    (dq,) = scenario(truth, "data_quality")["chunk_keys"]
    burst = month.get_group(dq)
    assert 0.35 < burst["driver_age"].isna().mean() < 0.45
    assert 0.15 < (burst["vehicle_type"] == gen.UNSEEN_VEHICLE).mean() < 0.25
    others = analysis[analysis["month"] != dq]
    assert reference["driver_age"].isna().sum() == 0 and others["driver_age"].isna().sum() == 0
    assert gen.UNSEEN_VEHICLE not in set(reference["vehicle_type"]) | set(others["vehicle_type"])
    assert 0.02 < reference["annual_mileage"].isna().mean() < 0.06


def test_stable_scenario_draws_analysis_from_the_reference_distribution() -> None:
    data = gen.generate("binary_classification", rows_per_month=400, seed=3, scenario="stable")
    assert [s["expected_diagnosis"] for s in data.truth["scenarios"]] == ["no_issue"]
    assert data.truth["stable_chunk_keys"] == [f"2024-{m:02d}" for m in range(1, 11)]
    analysis = data.analysis_with_targets()
    for feature in gen.NUMERIC:
        assert ks_2samp(data.reference[feature].dropna(), analysis[feature].dropna()).pvalue > 0.001, feature
    auc_ref = roc_auc_score(data.reference["repaid"], data.reference["y_pred_proba"])
    auc_ana = roc_auc_score(analysis["repaid"], analysis["y_pred_proba"])
    assert abs(auc_ref - auc_ana) < 0.03
    assert analysis["driver_age"].notna().all() and gen.UNSEEN_VEHICLE not in set(analysis["vehicle_type"])


def test_generator_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown problem type 'ranking'"):
        gen.generate("ranking")
    with pytest.raises(ValueError, match="unknown scenario"):
        gen.generate("binary", scenario="chaos")
    assert gen.problem_name("multiclass") == "multiclass_classification"
