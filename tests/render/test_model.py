"""ReportModel: JSON round trip and the results.json contract of DESIGN.md."""

from __future__ import annotations

import json

import pytest

from reportgen.report import ReportModel

TOP_KEYS = [
    "reportgen_version",
    "title",
    "problem_type",
    "generated_at",
    "chunks",
    "results",
    "diagnoses",
    "recommendations",
    "summary",
    "files",
    "warnings",
    "fingerprint",
]
RECORD_KEYS = {
    "step",
    "method",
    "metric",
    "column",
    "chunk_index",
    "period",
    "value",
    "sampling_error",
    "lower_confidence",
    "upper_confidence",
    "lower_threshold",
    "upper_threshold",
    "alert",
    "note",
    "trust",
}


def test_json_round_trip(model):
    text = model.to_json()
    again = ReportModel.from_json(text)
    assert again == model
    assert again.to_json() == text


def test_from_dict_refuses_unknown_fields(model):
    data = model.to_dict()
    data["bogus"] = 1
    with pytest.raises(ValueError, match="bogus"):
        ReportModel.from_dict(data)


def test_results_json_contract(model):
    payload = json.loads(model.to_results_json())
    assert list(payload) == TOP_KEYS
    assert set(payload["results"][0]) == RECORD_KEYS
    assert {"index", "key", "period", "start_row", "end_row", "start_time", "end_time", "rows"} <= set(
        payload["chunks"][0]
    )
    assert set(payload["summary"]) >= {"status", "sections", "headline", "sentence"}
    assert payload["summary"]["status"] in ("ok", "warning", "alert")


def test_results_frame_matches_records(model):
    frame = model.results_frame()
    assert len(frame) == len(model.results)
    assert frame["alert"].dtype == "boolean"
