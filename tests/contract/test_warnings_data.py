"""Warnings as data: codes, chunks and columns for held-out inputs; clean runs say nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from trust_cases import constant, loan_config, loan_frame, run_quiet

from reportgen.contract import check_results_json


def payload(report) -> dict:
    return check_results_json(json.loads(report.model.to_results_json()))


def by_code(data: dict) -> dict[str, dict]:
    return {w["code"]: w for w in data["warnings"]}


@pytest.fixture(scope="module")
def broken_month_run() -> dict:
    """Monthly chunks, labels keyed by text ids that match nothing, a stray July row after a two-month gap,
    and 'lvl' constant in the reference but spread in the analysis."""
    reference = loan_frame(3000, 0, "2023-01-01", 1, level=constant(2.0))
    analysis = loan_frame(2000, 10_000, "2023-03-01", 2, level=lambda rng, n: rng.normal(2.0, 1.0, n))
    stray = analysis.iloc[[0]].assign(rid=99_999, when=pd.Timestamp("2023-07-15"))
    analysis = pd.concat([analysis, stray], ignore_index=True)
    targets = analysis[["rid", "outcome"]].assign(rid=lambda f: "X" + f["rid"].astype(str))
    report = run_quiet(loan_config({"period": "M"}), reference, analysis.drop(columns=["outcome"]), targets)
    return payload(report)


def test_no_label_joined_is_said_loudly_and_realized_reads_no_data(broken_month_run):
    w = by_code(broken_month_run)["targets_unmatched"]
    assert w["message"].startswith("0 of 2,001 analysis rows have a label")
    assert w["columns"] == ["outcome"]
    analysis = [c for c in broken_month_run["chunks"] if c["period"] == "analysis"]
    assert [c["targets"] for c in analysis] == [0, 0, 0]
    assert w["chunks"] == [c["index"] for c in analysis]
    assert broken_month_run["summary"]["sections"]["realized_performance"] == "no_data"


def test_one_row_chunk_is_a_small_chunk_and_never_alerts(broken_month_run):
    july = next(c for c in broken_month_run["chunks"] if c["key"] == "2023-07")
    assert july["rows"] == 1
    assert by_code(broken_month_run)["small_chunk"]["chunks"] == [july["index"]]
    records = [r for r in broken_month_run["results"] if r["chunk_index"] == july["index"]]
    judged = [r for r in records if r["step"] != "summary_stats"]
    assert judged and all(r["alert"] is None for r in judged)
    assert all(r["note"].startswith("too few rows to judge: ") for r in judged)
    by_rows = [r for r in judged if r["step"] not in ("realized_performance",)]
    assert by_rows and all(r["note"].startswith("too few rows to judge: 1 row,") for r in by_rows)
    for d in broken_month_run["diagnoses"]:
        assert july["index"] not in d["chunks"]


def test_gap_months_are_a_missing_period(broken_month_run):
    w = by_code(broken_month_run)["missing_period"]
    assert "2 periods (2023-05, 2023-06)" in w["message"]
    july = next(c for c in broken_month_run["chunks"] if c["key"] == "2023-07")
    assert w["chunks"] == [july["index"]]


def test_constant_reference_feature_alerts_with_a_finite_fallback(broken_month_run):
    w = by_code(broken_month_run)["constant_in_reference"]
    assert w["columns"] == ["lvl"]
    scaled = [
        r
        for r in broken_month_run["results"]
        if r["method"] == "wasserstein" and r["column"] == "lvl" and r["metric"] == "scaled_distance"
    ]
    distance = {
        r["chunk_index"]: r["value"]
        for r in broken_month_run["results"]
        if r["method"] == "wasserstein" and r["column"] == "lvl" and r["metric"] == "distance"
    }
    alerting = [r for r in scaled if r["alert"]]
    assert alerting, "a spread analysis against a constant reference must drift"
    for r in alerting:
        assert np.isfinite(r["value"]) and r["value"] == pytest.approx(distance[r["chunk_index"]])
        assert "standard deviation 0" in r["note"]
    # W1 against a point mass at 2 is the mean absolute deviation from 2: about sqrt(2/pi) for N(2, 1)
    assert alerting[0]["value"] == pytest.approx(np.sqrt(2 / np.pi), abs=0.08)


def test_partial_labels_name_the_unlabelled_weeks():
    reference = loan_frame(2400, 0, "2024-01-01", 5, minutes=60)
    analysis = loan_frame(1680, 50_000, "2024-05-06", 6, minutes=60)  # ten ISO weeks of 168 rows
    labelled = analysis[analysis["when"] < pd.Timestamp("2024-06-03")]  # four weeks have labels
    report = run_quiet(
        loan_config({"period": "W"}), reference, analysis.drop(columns=["outcome"]), labelled[["rid", "outcome"]]
    )
    data = payload(report)
    w = by_code(data)["targets_unmatched"]
    assert "1,008 of 1,680 analysis rows (60.0%) have no label" in w["message"]
    analysis_chunks = [c for c in data["chunks"] if c["period"] == "analysis"]
    assert [c["targets"] for c in analysis_chunks] == [168] * 4 + [0] * 6
    assert w["chunks"] == [c["index"] for c in analysis_chunks[4:]]
    assert data["summary"]["sections"]["realized_performance"] != "no_data"
    unjudged = [r for r in data["results"] if r["step"] == "realized_performance" and r["chunk_index"] in w["chunks"]]
    assert unjudged and all(r["alert"] is None for r in unjudged)
    assert [x["code"] for x in report.warnings] == [x["code"] for x in data["warnings"]]


def test_a_target_in_both_files_is_target_overwritten():
    reference = loan_frame(1200, 0, "2024-01-01", 7)
    analysis = loan_frame(900, 5_000, "2024-03-01", 8)
    targets = analysis[["rid", "outcome"]].assign(outcome=lambda f: 1 - f["outcome"])
    data = payload(run_quiet(loan_config({"number": 3}), reference, analysis, targets))
    w = by_code(data)["target_overwritten"]
    assert w["columns"] == ["outcome"] and "900 values" in w["message"]


def test_a_clean_run_has_an_empty_warnings_list_and_full_label_counts():
    reference = loan_frame(1500, 0, "2024-01-01", 9)
    analysis = loan_frame(1500, 5_000, "2024-03-01", 10)
    report = run_quiet(loan_config({"size": 300}), reference, analysis)
    data = payload(report)
    assert data["warnings"] == [] and report.warnings == []
    assert [c["targets"] for c in data["chunks"]] == [c["rows"] for c in data["chunks"]]


def test_without_any_target_in_the_analysis_targets_are_null():
    reference = loan_frame(1500, 0, "2024-01-01", 11)
    analysis = loan_frame(1500, 5_000, "2024-03-01", 12).drop(columns=["outcome"])
    data = payload(run_quiet(loan_config({"number": 4}), reference, analysis))
    assert [c["targets"] for c in data["chunks"] if c["period"] == "analysis"] == [None] * 4
    assert "targets_unmatched" not in by_code(data)
