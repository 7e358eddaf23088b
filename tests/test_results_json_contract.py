"""results.json speaks DESIGN.md's words: summary statuses are ok | warning | alert only."""

from __future__ import annotations

import json

from reportgen.report import ReportModel, contract_summary


def test_info_sections_read_ok_and_keep_their_grade_as_an_extension():
    summary = {
        "status": "ok",
        "sections": {"univariate_drift": "info", "data_quality": "warning", "estimated_performance": "ok"},
        "headline": [],
        "sentence": "",
    }
    out = contract_summary(summary)
    assert out["sections"] == {"univariate_drift": "ok", "data_quality": "warning", "estimated_performance": "ok"}
    assert out["section_levels"]["univariate_drift"] == "info"
    assert summary["sections"]["univariate_drift"] == "info"  # the model itself is not changed


def test_results_json_summary_uses_contract_statuses():
    model = ReportModel(
        title="t",
        problem_type="regression",
        generated_at="2024-01-01T00:00:00+00:00",
        summary={"status": "info", "sections": {"business_value": "info"}, "headline": [], "sentence": ""},
    )
    payload = json.loads(model.to_results_json())
    assert payload["summary"]["status"] == "ok"
    assert set(payload["summary"]["sections"].values()) <= {"ok", "warning", "alert"}
