"""End to end on the sample generator's data: each truth scenario yields its diagnosis.

The pipeline runs once per problem type (module-scoped fixtures) on the committed samples, whose
truth.json says which months and features drift and how; and once per problem type on freshly
generated stable data (`scenario="stable"`), which must read `ok` with the single diagnosis
no_issue.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from reportgen.samples.generator import committed_sample, generate

from reportgen.config import load_config
from reportgen.inputs import load_inputs
from reportgen.monitor import Monitor, Report

PROBLEMS = ("binary_classification", "multiclass_classification", "regression")
SCENARIOS = ("covariate_shift_performance_drop", "covariate_shift_no_impact", "concept_drift", "data_quality")


def run_sample(problem: str) -> tuple[Report, dict[str, Any]]:
    config_path = committed_sample(problem)
    folder = config_path.parent
    config = load_config(config_path)
    reference, analysis, targets, sources = load_inputs(config)
    report = Monitor(config).run(reference, analysis, targets, sources=sources)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return report, truth


@pytest.fixture(scope="module")
def sample_runs() -> dict[str, tuple[Report, dict[str, Any]]]:
    return {}


def sample(sample_runs: dict, problem: str) -> tuple[Report, dict[str, Any]]:
    if problem not in sample_runs:
        sample_runs[problem] = run_sample(problem)
    return sample_runs[problem]


def near(keys: list[str], truth_keys: list[str], all_keys: list[str]) -> bool:
    """Every diagnosed chunk lies within one chunk of the truth's span, and they overlap."""
    pos = {k: i for i, k in enumerate(all_keys)}
    lo, hi = min(pos[k] for k in truth_keys), max(pos[k] for k in truth_keys)
    return bool(set(keys) & set(truth_keys)) and all(lo - 1 <= pos[k] <= hi + 1 for k in keys)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_truth_scenario_is_diagnosed(sample_runs: dict, problem: str, name: str) -> None:
    report, truth = sample(sample_runs, problem)
    scenario = next(s for s in truth["scenarios"] if s["name"] == name)
    keys = [c["key"] for c in report.model.chunks if c["period"] == "analysis"]
    found = [
        d
        for d in report.diagnoses
        if d["code"] == scenario["expected_diagnosis"] and near(d["chunk_keys"], scenario["chunk_keys"], keys)
    ]
    assert len(found) == 1, [(d["code"], d["chunk_keys"]) for d in report.diagnoses]
    named, expected = found[0]["features"], scenario["features"]
    if name == "concept_drift":
        # features whose link with the target changed; 'income' barely changes in the schedule
        assert named and set(named) <= set(expected) and len(set(named) & set(expected)) >= min(2, len(expected))
    else:
        assert set(named) == set(expected)
    # nothing else claims these chunks with another cause (business value follows its cause)
    others = {d["code"] for d in report.diagnoses if set(d["chunk_keys"]) & set(scenario["chunk_keys"])}
    assert others <= {scenario["expected_diagnosis"], "business_value_drop"}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_stable_months_raise_nothing(sample_runs: dict, problem: str) -> None:
    report, truth = sample(sample_runs, problem)
    stable = set(truth["stable_chunk_keys"])
    assert [d["code"] for d in report.diagnoses if stable & set(d["chunk_keys"])] == []
    assert report.model.summary["status"] == "alert"
    assert report.model.summary["sentence"]


@pytest.mark.parametrize("problem", PROBLEMS)
def test_stable_data_reads_ok(problem: str) -> None:
    data = generate(problem, None, rows_per_month=1000, seed=0, scenario="stable")
    report = Monitor(data.config).run(data.reference, data.analysis, data.targets)
    assert [d["code"] for d in report.diagnoses] == ["no_issue"]
    summary = report.model.summary
    assert summary["status"] == "ok"
    assert set(summary["sections"].values()) <= {"ok", "info"}
    assert summary["sentence"].startswith("All clear")


def test_demo_sentence_reads_like_a_manager_would_say_it(sample_runs: dict) -> None:
    report, _ = sample(sample_runs, "binary_classification")
    sentence = report.model.summary["sentence"]
    top = report.diagnoses[0]
    # the costliest alert leads: the covariate-shift drop (March-April) or the concept drift (July-August)
    assert top["code"] in ("performance_drop_covariate_shift", "concept_drift")
    if top["code"] == "performance_drop_covariate_shift":
        assert sentence.startswith("Estimated ROC AUC fell from 0.8")
        assert "in the two months from 2024-03 to 2024-04, most likely because debt_to_income shifted" in sentence
        assert "Retrain on recent data." in sentence
    else:
        assert sentence.startswith("Realized ROC AUC fell to 0.6")
        assert "concept drift" in sentence and "loan_length" in sentence
        assert "Collect recent labels and retrain." in sentence
    assert "expect about EUR " in sentence and " million less value" in sentence
    assert "Also: " in sentence


def test_a_modest_real_shift_is_still_caught() -> None:
    """A 0.3-std mean shift in one harmless feature over the last three chunks of 2,000 rows."""
    import numpy as np
    import pandas as pd

    def frame(n: int, start: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        x, z = rng.normal(size=n), rng.normal(loc=shift, size=n)
        p = 1 / (1 + np.exp(-2 * x))
        return pd.DataFrame(
            {
                "id": np.arange(start, start + n),
                "x": x,
                "z": z,
                "w": rng.normal(size=n),
                "cat": rng.choice(list("abc"), n),
                "p": p,
                "y_pred": (p > 0.5).astype(int),
                "y": (rng.random(n) < p).astype(int),
            }
        )

    config = {
        "problem_type": "binary_classification",
        "columns": {"id": "id", "prediction": "y_pred", "predicted_probability": "p", "target": "y"},
        "chunking": {"size": 2000},
    }
    analysis = pd.concat([frame(14000, 20000, 2), frame(6000, 34000, 3, shift=0.3)], ignore_index=True)
    report = Monitor(config).run(frame(20000, 0, 1), analysis.drop(columns=["y"]), analysis[["id", "y"]])
    assert [(d["code"], d["chunk_keys"], d["features"]) for d in report.diagnoses] == [
        ("covariate_shift_no_impact", ["[14000:15999]", "[16000:17999]", "[18000:19999]"], ["z"])
    ]
    assert report.status == "warning"
    assert report.model.summary["sentence"].startswith("Input z shifted over the last three chunks")


def test_headline_and_drift_finding_agree_with_the_alerts(sample_runs: dict) -> None:
    """Performance cards count their alerting chunks and never read 'unchanged' beside an alert; the
    univariate section counts the same corroborated input features as the headline, and names the
    model's outputs apart from the features."""
    from reportgen.render.view import build_view

    report, _ = sample(sample_runs, "binary_classification")
    model = report.model
    heads = {h.get("step") or h["metric"]: h for h in model.summary["headline"]}
    perf = [heads[s] for s in ("estimated_performance", "realized_performance") if s in heads]
    assert perf
    for h in perf:
        assert 0 <= h["alert_chunks"] <= h["chunks"] == 10
        if h["status"] == "alert":
            assert h["alert_chunks"] > 0 and h["direction_word"] != "unchanged"
    drifted = heads["drifted_features"]["features"]
    view = build_view(model, charts=False)
    uni = view.section("univariate-drift")
    n_features = sum(1 for r in model.data_summary if r.get("role") == "feature")
    assert uni.finding.startswith(f"{len(drifted)} of {n_features} features drifted")
    most = uni.finding.split("most: ")[1].split(".")[0].split(", ")
    assert set(most) <= set(drifted)
    assert "y_pred_proba (predicted probability)" in uni.finding or "y_pred_proba" not in uni.finding


def test_daily_chunks_give_one_diagnosis_per_scenario_not_fragments() -> None:
    """With daily chunks of ~100 rows a two-month problem alerts on most days, not every day: each
    truth scenario must still read as one episode spanning its months, with the truth's features
    (episodes bridge a few quiet days; a stray alert does not join a long episode's features)."""
    sample = generate("binary_classification", None, rows_per_month=3000, seed=21, scenario="default")
    config = {**sample.config, "chunking": {"period": "D"}}
    report = Monitor(config).run(sample.reference, sample.analysis, sample.targets)
    for sc in sample.truth["scenarios"]:
        found = [d for d in report.diagnoses if d["code"] == sc["expected_diagnosis"]]
        assert len(found) == 1, (sc["name"], [(d["code"], d["chunk_keys"][0], d["chunk_keys"][-1]) for d in found])
        keys = found[0]["chunk_keys"]
        first_month, last_month = sc["chunk_keys"][0], sc["chunk_keys"][-1]
        assert keys[0][:7] == first_month and int(keys[0][8:]) <= 4, (sc["name"], keys[0])
        assert keys[-1][:7] == last_month and int(keys[-1][8:]) >= 27, (sc["name"], keys[-1])
        named, want = set(found[0]["features"]), set(sc["features"])
        assert (named and named <= want) if sc["name"] == "concept_drift" else named == want, (sc["name"], named)
    assert sum(d["code"] == "business_value_drop" for d in report.diagnoses) <= 2


def test_a_stable_year_in_daily_chunks_reads_ok() -> None:
    """305 daily chunks x 13 columns are thousands of tests: a one- or two-day blip of a single
    column is reported as info, not as a warning (seed 41 used to read 'warning': y_pred one day)."""
    sample = generate("binary_classification", None, rows_per_month=3000, seed=41, scenario="stable")
    report = Monitor({**sample.config, "chunking": {"period": "D"}}).run(
        sample.reference, sample.analysis, sample.targets
    )
    assert report.status == "ok", [(d["code"], d["severity"], d["chunk_keys"][:3]) for d in report.diagnoses]
    assert all(d["severity"] == "info" for d in report.diagnoses)
