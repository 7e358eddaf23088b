"""A baseline from another model is compared on headline numbers only, with a baseline_mismatch warning."""

from __future__ import annotations

import json

import pytest
from trust_cases import loan_config, loan_frame, run_quiet


@pytest.fixture(scope="module")
def frames():
    return loan_frame(1600, 0, "2024-01-01", 41), loan_frame(1600, 9_000, "2024-05-01", 42)


def run_with_baseline(tmp_path, frames, baseline: dict, **config) -> dict:
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(baseline), encoding="utf-8")
    cfg = {**loan_config({"number": 4}), **config, "baseline": str(path)}
    return json.loads(run_quiet(cfg, *frames).model.to_results_json())


def previous(frames, **config) -> dict:
    return json.loads(run_quiet({**loan_config({"number": 4}), **config}, *frames).model.to_results_json())


def test_the_same_model_is_compared_with_marks(tmp_path, frames):
    data = run_with_baseline(tmp_path, frames, previous(frames))
    assert "baseline_mismatch" not in {w["code"] for w in data["warnings"]}
    assert "mismatch" not in data["summary"]["comparison"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda b: b.update(title="churn model") or b["fingerprint"].update(title="churn model"),
            "title 'churn model'",
        ),
        (lambda b: b["fingerprint"].update(columns=[*b["fingerprint"]["columns"], "tenure"]), "only there: tenure"),
        (lambda b: b["fingerprint"].update(reference="0" * 64), "another reference data set"),
        (lambda b: b.pop("fingerprint") and b.update(problem_type="regression"), "problem type 'regression'"),
    ],
)
def test_another_model_gets_a_warning_and_no_marks(tmp_path, frames, change, reason):
    baseline = previous(frames)
    change(baseline)
    data = run_with_baseline(tmp_path, frames, baseline)
    warning = next(w for w in data["warnings"] if w["code"] == "baseline_mismatch")
    assert reason in warning["message"]
    comparison = data["summary"]["comparison"]
    assert comparison["new"] == comparison["continuing"] == comparison["resolved"] == []
    assert comparison["diagnoses"] == {"new": [], "continuing": [], "resolved": []}
    assert reason in "; ".join(comparison["mismatch"])
    assert comparison["headline"], "headline numbers are still compared"
    assert all("baseline" not in d for d in data["diagnoses"])


def test_the_reference_fingerprint_ignores_chunking_and_sees_one_changed_value(frames):
    reference, analysis = frames
    a = previous(frames)["fingerprint"]
    b = json.loads(run_quiet(loan_config({"size": 250}), reference, analysis).model.to_results_json())["fingerprint"]
    assert a == b
    changed = reference.copy()
    changed.loc[7, "amount"] += 0.5
    c = json.loads(run_quiet(loan_config({"number": 4}), changed, analysis).model.to_results_json())["fingerprint"]
    assert c["reference"] != a["reference"] and c["columns"] == a["columns"]
