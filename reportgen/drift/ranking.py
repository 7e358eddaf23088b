"""Rank monitored columns by univariate drift alerts and by how their drift tracks performance.

The resolution step (diagnoses) and the report's univariate-drift table call `rank_features` on the
full results table. Two views of "which inputs matter":

- alerts: how many univariate drift records alert in the analysis chunks (over all methods);
- correlation: the Pearson correlation, over every chunk where both exist, between the column's
  drift series and the model's performance *degradation* series. Drift that coincides with worse
  performance gives a positive correlation and ranks higher; drift while performance improves
  gives a negative one.

Normalised drift score of one record (comparable across methods): the value divided by its upper
threshold for higher-is-worse metrics (1 = at the threshold); for p-values (lower is worse),
log(p) / log(lower threshold), which is also 1 at the threshold and grows as p shrinks; for other
lower-bounded metrics, lower threshold / value. A column's drift series is, per chunk, the mean
score over its methods (only each method's alerting metric: the records whose `alert` is set).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RANKING_COLUMNS = (
    "column",
    "rank",
    "alert_count",
    "alerted_chunks",
    "methods_alerting",
    "max_drift",
    "drift_score",
    "correlation",
    "correlation_rank",
    "performance_metric",
)

# Performance metric used for the correlation, in order of preference per problem type.
PERFORMANCE_PREFERENCE = {
    "binary_classification": (
        "roc_auc",
        "average_precision",
        "accuracy",
        "f1",
        "precision",
        "recall",
        "specificity",
        "business_value",
    ),
    "multiclass_classification": ("roc_auc", "accuracy", "f1", "precision", "recall", "specificity", "business_value"),
    "regression": ("rmse", "mae", "mse", "mape", "rmsle", "msle"),
}
ERROR_METRICS = frozenset({"mae", "mse", "rmse", "mape", "msle", "rmsle"})  # higher is worse
P_VALUE_FLOOR = 1e-300


def drift_scores(records: pd.DataFrame) -> np.ndarray:
    """Normalised drift score per record: 1 at the alert threshold, larger means more drift."""
    value = records["value"].to_numpy(dtype=float)
    upper = records["upper_threshold"].to_numpy(dtype=float)
    lower = records["lower_threshold"].to_numpy(dtype=float)
    is_p = (records["metric"] == "p_value").to_numpy()
    score = np.full(value.size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.isfinite(upper) & (upper > 0)
        score[up] = value[up] / upper[up]
        lo = ~up & np.isfinite(lower) & (lower > 0)
        p_rows = lo & is_p & (lower < 1)
        score[p_rows] = np.log(np.maximum(value[p_rows], P_VALUE_FLOOR)) / np.log(lower[p_rows])
        other = lo & ~is_p
        score[other] = lower[other] / np.maximum(value[other], np.finfo(float).tiny)
    score[~np.isfinite(value)] = np.nan
    return score


def performance_series(results: pd.DataFrame, problem_type: str) -> tuple[pd.Series | None, str | None]:
    """Per-chunk performance degradation (higher = worse) and its label, e.g. 'realized_performance.roc_auc'.

    Realized performance is used when it has a value in at least one analysis chunk, otherwise the
    estimate (CBPE / DLE); the metric is the first available of PERFORMANCE_PREFERENCE.
    """
    perf = results[results["step"].isin(["realized_performance", "estimated_performance"]) & results["column"].isna()]
    if perf.empty:
        return None, None
    realized = perf[perf["step"] == "realized_performance"]
    has_realized = bool(
        (realized["period"] == "analysis").any()
        and np.isfinite(realized.loc[realized["period"] == "analysis", "value"].to_numpy(dtype=float)).any()
    )
    chosen = realized if has_realized else perf[perf["step"] == "estimated_performance"]
    for metric in PERFORMANCE_PREFERENCE.get(problem_type, ()):
        rows = chosen[chosen["metric"] == metric]
        if rows.empty or not np.isfinite(rows["value"].to_numpy(dtype=float)).any():
            continue
        method = sorted(rows["method"].dropna().unique())
        if method:
            rows = rows[rows["method"] == method[0]]
        series = rows.groupby("chunk_index")["value"].mean()
        sign = 1.0 if metric in ERROR_METRICS else -1.0
        step = "realized_performance" if has_realized else "estimated_performance"
        return sign * series, f"{step}.{metric}"
    return None, None


def _correlation(a: pd.Series, b: pd.Series) -> float:
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    if len(both) < 3:
        return float("nan")
    x = both.iloc[:, 0].to_numpy(dtype=float)
    y = both.iloc[:, 1].to_numpy(dtype=float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def rank_features(results: pd.DataFrame, problem_type: str) -> pd.DataFrame:
    """One row per monitored column, most important first.

    Parameters
    ----------
    results:
        The full results table (Result schema): univariate_drift records, and performance records
        (realized and/or estimated) for the correlation.
    problem_type:
        Picks the performance metric (classification: roc_auc first; regression: rmse first).

    Returns
    -------
    DataFrame with RANKING_COLUMNS:
        column            the monitored column (features and model outputs)
        rank              1 = most important: most alerts, then highest correlation, then highest
                          drift_score, then name (deterministic)
        alert_count       alerting univariate records in analysis chunks, summed over methods
        alerted_chunks    sorted chunk indices with at least one alert (list of int)
        methods_alerting  sorted names of the methods that alerted (list of str)
        max_drift         {method: worst value over analysis chunks of its alerting metric}
                          (max, or min for p-values)
        drift_score       max normalised score over methods and analysis chunks (1 = threshold)
        correlation       Pearson correlation of the drift series with performance degradation
                          over all chunks (positive = drift coincides with worse performance);
                          NaN without performance results or with fewer than 3 common chunks
        correlation_rank  1 = highest correlation (NaN last; ties by alert_count, then name)
        performance_metric  which series the correlation used, e.g. 'realized_performance.roc_auc'
    """
    uni = results[(results["step"] == "univariate_drift") & results["column"].notna()]
    if uni.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RANKING_COLUMNS})
    scored = uni[uni["alert"].notna()].copy()
    scored["score"] = drift_scores(scored)
    analysis = scored[scored["period"] == "analysis"]
    alerting = analysis[analysis["alert"].fillna(False).astype(bool)]
    degradation, perf_label = performance_series(results, problem_type)
    rows = []
    for column in sorted(uni["column"].unique(), key=str):
        own = analysis[analysis["column"] == column]
        own_alerts = alerting[alerting["column"] == column]
        max_drift = {}
        for method, grp in own.groupby("method", sort=True):
            vals = grp["value"].to_numpy(dtype=float)
            vals = vals[np.isfinite(vals)]
            if vals.size:
                max_drift[str(method)] = float(vals.min() if (grp["metric"] == "p_value").all() else vals.max())
        own_scores = own["score"].to_numpy(dtype=float)
        drift_score = float(np.nanmax(own_scores)) if np.isfinite(own_scores).any() else float("nan")
        corr = float("nan")
        if degradation is not None:
            series = scored[scored["column"] == column].groupby("chunk_index")["score"].mean()
            corr = _correlation(series, degradation)
        rows.append(
            {
                "column": column,
                "alert_count": int(len(own_alerts)),
                "alerted_chunks": sorted(int(i) for i in own_alerts["chunk_index"].unique()),
                "methods_alerting": sorted(str(m) for m in own_alerts["method"].unique()),
                "max_drift": max_drift,
                "drift_score": drift_score,
                "correlation": corr,
                "performance_metric": perf_label,
            }
        )
    table = pd.DataFrame(rows)
    corr_key = table["correlation"].fillna(-np.inf)
    score_key = table["drift_score"].fillna(-np.inf)
    order = sorted(
        range(len(table)),
        key=lambda i: (-table.at[i, "alert_count"], -corr_key[i], -score_key[i], str(table.at[i, "column"])),
    )
    table["rank"] = 0
    table.loc[order, "rank"] = np.arange(1, len(table) + 1)
    corr_order = sorted(
        range(len(table)), key=lambda i: (-corr_key[i], -table.at[i, "alert_count"], str(table.at[i, "column"]))
    )
    table["correlation_rank"] = 0
    table.loc[corr_order, "correlation_rank"] = np.arange(1, len(table) + 1)
    table = table.sort_values("rank", kind="stable").reset_index(drop=True)
    return table[list(RANKING_COLUMNS)]
