"""rank_features orders a synthetic results table by alerts, then by sign-aware correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.drift.ranking import RANKING_COLUMNS, drift_scores, rank_features
from reportgen.results import concat_results, make_results

CHUNKS = np.arange(10)
PERIODS = ["reference"] * 5 + ["analysis"] * 5


def uni(column: str, method: str, metric: str, values, *, upper=None, lower=None) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    if upper is not None:
        alert = values > upper
    else:
        alert = values < lower
    return make_results(
        step="univariate_drift",
        method=method,
        metric=metric,
        column=column,
        chunk_index=CHUNKS,
        period=PERIODS,
        value=values,
        upper_threshold=upper,
        lower_threshold=lower,
        alert=alert,
    )


def perf(step: str, method: str, metric: str, values) -> pd.DataFrame:
    return make_results(
        step=step, method=method, metric=metric, column=None, chunk_index=CHUNKS, period=PERIODS, value=values
    )


def table(with_realized: bool = True) -> pd.DataFrame:
    quiet = [0.05] * 10
    frames = [
        # a: drifts exactly where performance drops (3 alerting chunks, two methods)
        uni("a", "jensen_shannon", "distance", [0.05] * 5 + [0.05, 0.05, 0.3, 0.4, 0.5], upper=0.1),
        uni("a", "kolmogorov_smirnov", "p_value", [0.5] * 5 + [0.5, 0.5, 0.5, 1e-5, 1e-9], lower=0.01),
        # b: as many alerts, but in the chunks where performance is fine (negative correlation)
        uni("b", "jensen_shannon", "distance", [0.05] * 5 + [0.3, 0.3, 0.3, 0.05, 0.05], upper=0.1),
        uni("b", "kolmogorov_smirnov", "p_value", [0.5] * 5 + [1e-4, 1e-4, 0.5, 0.5, 0.5], lower=0.01),
        # c: a single alert
        uni("c", "jensen_shannon", "distance", [0.05] * 5 + [0.05, 0.05, 0.05, 0.05, 0.2], upper=0.1),
        # d: never alerts, but its sub-threshold drift tracks the performance drop
        uni("d", "jensen_shannon", "distance", [0.01] * 5 + [0.01, 0.01, 0.05, 0.07, 0.09], upper=0.1),
        # e: nothing at all
        uni("e", "jensen_shannon", "distance", quiet, upper=0.1),
        perf("estimated_performance", "cbpe", "roc_auc", [0.8] * 10),
        make_results(
            step="multivariate_drift",
            method="pca_reconstruction",
            metric="reconstruction_error",
            column=None,
            chunk_index=CHUNKS,
            period=PERIODS,
            value=np.ones(10),
            upper_threshold=2.0,
            alert=False,
        ),
    ]
    if with_realized:
        frames.append(perf("realized_performance", "realized", "roc_auc", [0.8] * 5 + [0.8, 0.8, 0.7, 0.65, 0.6]))
    return concat_results(frames)


def test_ranking_orders_by_alerts_then_sign_aware_correlation():
    ranked = rank_features(table(), "binary_classification")
    assert list(ranked.columns) == list(RANKING_COLUMNS)
    assert list(ranked["column"]) == ["a", "b", "c", "d", "e"]
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5]
    a = ranked.iloc[0]
    assert a["alert_count"] == 5  # JS in chunks 7, 8, 9 and KS in 8, 9: one per alerting record
    assert a["alerted_chunks"] == [7, 8, 9]
    assert a["methods_alerting"] == ["jensen_shannon", "kolmogorov_smirnov"]
    assert a["max_drift"] == {"jensen_shannon": 0.5, "kolmogorov_smirnov": 1e-9}
    # JS 0.5 / 0.1 = 5 beats KS log(1e-9) / log(0.01) = 4.5
    assert np.isclose(a["drift_score"], 5.0)
    assert a["performance_metric"] == "realized_performance.roc_auc"
    b = ranked.iloc[1]
    assert b["alert_count"] == 5 and b["correlation"] < 0 < a["correlation"]  # tie on alerts: sign decides
    d = ranked.set_index("column").loc["d"]
    assert d["alert_count"] == 0 and d["correlation"] > 0.9
    assert np.isnan(ranked.set_index("column").loc["e", "correlation"])  # a flat series has no correlation
    by_corr = ranked.sort_values("correlation_rank")["column"].tolist()
    assert set(by_corr[:2]) == {"a", "d"}
    assert by_corr[-1] == "e"


def test_alert_count_counts_every_alerting_record():
    ranked = rank_features(table(), "binary_classification").set_index("column")
    # a: JS alerts in 7, 8, 9 (3) + KS in 8, 9 (2) = 5
    assert ranked.loc["a", "alert_count"] == 5
    assert ranked.loc["b", "alert_count"] == 5
    assert ranked.loc["c", "alert_count"] == 1


def test_estimated_performance_is_used_without_targets_and_sign_follows_the_metric():
    t = table(with_realized=False)
    t = t[t["step"] != "estimated_performance"]
    est = perf("estimated_performance", "dle", "rmse", [1.0] * 5 + [1.0, 1.0, 1.5, 1.8, 2.0])  # error grows = worse
    ranked = rank_features(concat_results([t, est]), "regression").set_index("column")
    assert ranked.loc["a", "performance_metric"] == "estimated_performance.rmse"
    assert ranked.loc["a", "correlation"] > 0.8
    assert ranked.loc["b", "correlation"] < 0


def test_no_performance_gives_nan_correlation_and_name_breaks_ties():
    t = table()
    t = t[~t["step"].isin(["realized_performance", "estimated_performance"])]
    ranked = rank_features(t, "binary_classification")
    assert ranked["correlation"].isna().all()
    assert ranked["performance_metric"].isna().all()
    # a and b tie on alerts (5 each); without correlation the higher drift score wins: a (5.0) vs b (3.0)
    assert list(ranked["column"][:2]) == ["a", "b"]


def test_ranking_is_deterministic_and_order_independent():
    t = table()
    shuffled = t.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        rank_features(t, "binary_classification"), rank_features(shuffled, "binary_classification")
    )


def test_empty_results_give_an_empty_ranking():
    t = table()
    ranked = rank_features(t[t["step"] != "univariate_drift"], "binary_classification")
    assert ranked.empty and list(ranked.columns) == list(RANKING_COLUMNS)


def test_drift_scores_are_one_at_the_threshold():
    recs = concat_results(
        [
            make_results(
                step="univariate_drift",
                method="chi2",
                metric="p_value",
                column="x",
                chunk_index=[0, 1],
                period="analysis",
                value=[0.01, 1e-4],
                lower_threshold=0.01,
                alert=[False, True],
            ),
            make_results(
                step="univariate_drift",
                method="jensen_shannon",
                metric="distance",
                column="x",
                chunk_index=[0, 1],
                period="analysis",
                value=[0.1, 0.3],
                upper_threshold=0.1,
                alert=[False, True],
            ),
        ]
    )
    assert np.allclose(drift_scores(recs), [1.0, 2.0, 1.0, 3.0])
