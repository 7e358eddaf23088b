"""Comparison with the previous report: new, continuing and resolved alerts, headline deltas."""

from __future__ import annotations

import json

import pytest

from reportgen.errors import DataError
from reportgen.resolution import resolve
from reportgen.results import to_records
from tests.resolution.synth import scenario


def as_results_json(results, chunks, res) -> dict:
    """What a previous run's results.json holds (round-tripped through JSON)."""
    payload = {
        "chunks": chunks,
        "results": to_records(results),
        "diagnoses": [d.to_dict() for d in res.diagnoses],
        "summary": res.summary,
        "generated_at": "2026-11-20T00:00:00+00:00",
    }
    return json.loads(json.dumps(payload, allow_nan=False))


def test_new_continuing_and_resolved() -> None:
    before = scenario("binary_classification", drift={"tenure": [8, 9]}, dq={"debt_ratio": [8, 9]})
    baseline = as_results_json(before[0], before[1], resolve(*before))
    now = scenario("binary_classification", drop=[8, 9], drift={"tenure": [8, 9], "car_value": [8, 9]})
    res = resolve(*now, baseline=baseline)
    comp = res.summary["comparison"]
    new_cols = {a["column"] for a in comp["new"]}
    cont_cols = {a["column"] for a in comp["continuing"]}
    gone_cols = {a["column"] for a in comp["resolved"]}
    assert "car_value" in new_cols and "tenure" in cont_cols and "debt_ratio" in gone_cols
    assert "tenure" not in new_cols and "car_value" not in cont_cols
    assert {a["step"] for a in comp["new"]} >= {"estimated_performance", "univariate_drift", "business_value"}
    by_code = {d.code: d for d in res.diagnoses}
    assert by_code["performance_drop_covariate_shift"].baseline == "new"
    # tenure drifted harmlessly last week; now it is part of the performance drop
    assert sorted(d["code"] for d in comp["diagnoses"]["resolved"]) == ["covariate_shift_no_impact", "data_quality"]
    head = {h["label"]: h for h in comp["headline"]}
    auc = head["Estimated ROC AUC"]
    assert auc["previous"] == pytest.approx(baseline["summary"]["headline"][0]["value"])
    assert auc["change"] < 0 and auc["direction_word"] == "worse"
    assert head["Drifted inputs"]["change"] == 1 and head["Drifted inputs"]["direction_word"] == "worse"
    assert comp["previous_status"] == "warning"


def test_same_report_twice_is_all_continuing() -> None:
    run = scenario("regression", drop=[6, 7], drift={"car_value": [6, 7]})
    first = resolve(*run)
    res = resolve(*run, baseline=as_results_json(run[0], run[1], first))
    comp = res.summary["comparison"]
    assert comp["new"] == [] and comp["resolved"] == []
    assert comp["continuing"]
    assert all(d.baseline == "continuing" for d in res.diagnoses)
    assert all(h["change"] == 0 and h["direction_word"] == "unchanged" for h in comp["headline"])


def test_a_foreign_baseline_fails_clearly() -> None:
    with pytest.raises(DataError, match="results.json"):
        resolve(*scenario("regression"), baseline={"hello": 1})
