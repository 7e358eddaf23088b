"""The minimum-rows table: each minimum is where the sampling error reaches 0.05, and below it nothing alerts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from trust_cases import loan_config, loan_frame, run_quiet

from reportgen.sample_size import MAX_SAMPLING_ERROR, MIN_ROWS, apply_minimums, minimum_rows, undersized


def ks_sd(n: int, draws: int = 2000, seed: int = 0) -> float:
    """Standard deviation of the KS D of n rows against a 20,000-row reference of the same law (simulated)."""
    rng = np.random.default_rng(seed)
    reference = rng.normal(size=20_000)
    return float(np.std([stats.ks_2samp(rng.normal(size=n), reference).statistic for _ in range(draws)]))


def test_drift_minimum_is_where_the_ks_sampling_error_reaches_the_bound():
    need, labels = minimum_rows("univariate_drift", "kolmogorov_smirnov")
    assert (need, labels) == (30, False)
    assert ks_sd(need) <= MAX_SAMPLING_ERROR < ks_sd(need // 2)


def test_performance_minimum_is_where_a_rate_sampling_error_reaches_the_bound():
    need, labels = minimum_rows("realized_performance", None)
    assert labels and need == MIN_ROWS["estimated_performance"]["*"]
    rng = np.random.default_rng(1)
    accuracy = rng.binomial(need, 0.85, size=20_000) / need  # a typical accuracy
    assert accuracy.std() == pytest.approx(MAX_SAMPLING_ERROR, rel=0.05)
    assert rng.binomial(need // 2, 0.85, size=20_000).std() / (need // 2) > MAX_SAMPLING_ERROR * 1.3
    assert minimum_rows("business_value", "realized") == (50, True)
    assert minimum_rows("business_value", "cbpe") == (50, False)
    assert minimum_rows("summary_stats", "summary_stats") == (0, False)


def records(chunk_index, step="univariate_drift", method="jensen_shannon", alert=True) -> pd.DataFrame:
    from reportgen.results import make_results

    n = len(chunk_index)
    return make_results(
        step=step,
        method=method,
        metric="distance",
        column="c",
        chunk_index=chunk_index,
        period=["analysis"] * n,
        value=np.linspace(0.2, 0.4, n),
        lower_threshold=None,
        upper_threshold=0.1,
        alert=[alert] * n,
        note=[None, "kept"] + [None] * (n - 2),
    )


def test_apply_minimums_keeps_values_and_bands_and_nulls_alerts():
    frame = records([4, 5, 6])
    out = apply_minimums(frame, rows={4: 29, 5: 12, 6: 30}, labels={})
    assert out["value"].tolist() == frame["value"].tolist()
    assert out["upper_threshold"].tolist() == [0.1] * 3
    assert out["alert"].tolist() == [pd.NA, pd.NA, True]
    assert out["note"].tolist()[:2] == [
        "too few rows to judge: 29 rows, this method needs 30",
        "too few rows to judge: 12 rows, this method needs 30; kept",
    ]
    assert undersized(out).tolist() == [True, True, False]
    assert frame["alert"].tolist() == [True] * 3  # the input is not changed


def test_realized_records_count_labels_not_rows():
    frame = records([1, 2], step="realized_performance", method="realized")
    out = apply_minimums(frame, rows={1: 5000, 2: 5000}, labels={1: 49, 2: 50})
    assert out["alert"].tolist() == [pd.NA, True]
    assert out["note"].iloc[0].startswith("too few rows to judge: 49 labels")


def test_daily_chunks_of_twenty_rows_never_alert_and_read_no_data():
    reference = loan_frame(1440, 0, "2024-01-01", 31, minutes=72)  # 20 rows a day
    analysis = loan_frame(600, 9_000, "2024-03-01", 32, minutes=72).assign(amount=lambda f: f["amount"] + 3)
    report = run_quiet(loan_config({"period": "D"}), reference, analysis)
    data = json.loads(report.model.to_results_json())
    analysis_records = [r for r in data["results"] if r["period"] == "analysis" and r["step"] != "summary_stats"]
    assert analysis_records and not any(r["alert"] for r in analysis_records)
    assert not report.has_alert
    sections = data["summary"]["sections"]
    assert {sections[s] for s in ("estimated_performance", "univariate_drift", "data_quality")} == {"no_data"}
    assert data["summary"]["status"] in ("ok", "warning", "alert")
    assert [d["code"] for d in data["diagnoses"]] in ([], ["no_issue"])
    assert {w["code"] for w in data["warnings"]} >= {"small_chunk"}
