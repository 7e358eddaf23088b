"""Synthetic result tables for the resolution tests: one scenario at a time, each problem type.

Values are reference levels plus seeded uniform noise of at most one `sd`, and thresholds sit at
three `sd` from the reference level, so nothing alerts unless a scenario moves it on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from reportgen.config import Config, validate_config
from reportgen.results import conform

FEATURES = ("car_value", "salary_range", "loan_length", "tenure", "debt_ratio")
N_REF = 8
N_ANA = 10
ROWS = 1000

PERF = {
    "binary_classification": {"roc_auc": 0.95, "f1": 0.85, "accuracy": 0.90},
    "multiclass_classification": {"roc_auc": 0.90, "f1": 0.75, "accuracy": 0.78},
    "regression": {"mae": 2.0, "rmse": 3.0},
}


def config_for(problem_type: str, business_value: bool = True) -> Config:
    cols: dict = {"prediction": "y_pred", "target": "y_true", "timestamp": "ts"}
    if problem_type == "binary_classification":
        cols["predicted_probability"] = "y_pred_proba"
    elif problem_type == "multiclass_classification":
        cols["predicted_probability"] = {"a": "p_a", "b": "p_b", "c": "p_c"}
    raw: dict = {"title": "t", "problem_type": problem_type, "columns": cols, "chunking": {"period": "W"}}
    if business_value:
        if problem_type == "regression":
            raw["business_value"] = {"over_prediction_cost": 1.0, "under_prediction_cost": 2.0, "currency": "EUR"}
        else:
            raw["business_value"] = {
                "matrix": {"true_positive": 500, "false_positive": -200, "false_negative": -1000, "true_negative": 0}
            }
    return validate_config(raw)


def chunks_list(n_ref: int = N_REF, n_ana: int = N_ANA) -> list[dict]:
    out = []
    for i in range(n_ref + n_ana):
        period = "reference" if i < n_ref else "analysis"
        start = (i if i < n_ref else i - n_ref) * ROWS
        week = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=i)
        out.append(
            {
                "index": i,
                "key": f"{week:%Y-%m-%d}",
                "period": period,
                "start_row": start,
                "end_row": start + ROWS,
                "start_time": week.isoformat(),
                "end_time": (week + pd.Timedelta(days=7)).isoformat(),
                "rows": ROWS,
            }
        )
    return out


class Builder:
    """Builds one result table series by series."""

    def __init__(self, seed: int = 0, n_ref: int = N_REF, n_ana: int = N_ANA) -> None:
        self.rng = np.random.default_rng(seed)
        self.n_ref, self.n_ana = n_ref, n_ana
        self.idx = np.arange(n_ref + n_ana)
        self.period = np.where(self.idx < n_ref, "reference", "analysis")
        self.frames: list[dict] = []

    def ana(self, positions: Iterable[int]) -> np.ndarray:
        mask = np.zeros(len(self.idx), dtype=bool)
        for p in positions:
            mask[self.n_ref + p] = True
        return mask

    def series(
        self,
        step: str,
        method: str | None,
        metric: str,
        column: str | None,
        level: float,
        sd: float,
        shift: Mapping[int, float] | None = None,
        side: str = "upper",
        band: float | None = None,
        alert: bool = True,
    ) -> np.ndarray:
        values = level + self.rng.uniform(-sd, sd, len(self.idx))
        for p, delta in (shift or {}).items():
            values[self.n_ref + p] += delta
        lower = level - 3 * sd if side in ("lower", "both") else None
        upper = level + 3 * sd if side in ("upper", "both") else None
        flags = np.zeros(len(values), dtype=bool)
        if lower is not None:
            flags |= values < lower
        if upper is not None:
            flags |= values > upper
        n = len(values)
        nan = np.full(n, np.nan)
        self.frames.append(
            {
                "step": [step] * n,
                "method": [method] * n,
                "metric": [metric] * n,
                "column": [column] * n,
                "chunk_index": self.idx,
                "period": self.period,
                "value": values,
                "sampling_error": nan if band is None else np.full(n, band / 3),
                "lower_confidence": nan if band is None else values - band,
                "upper_confidence": nan if band is None else values + band,
                "lower_threshold": np.full(n, np.nan if lower is None else lower),
                "upper_threshold": np.full(n, np.nan if upper is None else upper),
                "alert": list(flags) if alert else [None] * n,
                "note": [None] * n,
            }
        )
        return values

    def table(self) -> pd.DataFrame:
        """One frame in the Result schema (built once, conformed once)."""
        cols = {
            k: np.concatenate(
                [
                    np.asarray(
                        f[k],
                        dtype=object
                        if k in ("step", "method", "metric", "column", "period", "alert", "note")
                        else None,
                    )
                    for f in self.frames
                ]
            )
            for k in self.frames[0]
        }
        return conform(pd.DataFrame(cols))


def scenario(
    problem_type: str = "binary_classification",
    *,
    drop: Iterable[int] = (),
    drop_size: float = 0.08,
    drift: Mapping[str, Iterable[int]] | None = None,
    concept: Iterable[int] = (),
    dq: Mapping[str, Iterable[int]] | None = None,
    outputs: Iterable[int] = (),
    mv: Iterable[int] = (),
    isolated: Iterable[tuple[str, int]] = (),
    business_value: bool = True,
    realized: bool = True,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[dict], Config]:
    """Results, chunks and config of one scenario.

    drop: analysis positions where estimated (and realized) performance degrade;
    drift: {feature: positions} of univariate drift (KS and Jensen-Shannon both alert);
    concept: positions where realized degrades but the estimate holds;
    dq: {feature: positions} with a burst of missing values;
    outputs: positions where the prediction's distribution moves;
    mv: positions where PCA reconstruction error alerts;
    isolated: (feature, position) pairs with one lone KS alert.
    """
    b = Builder(seed)
    drop, concept = list(drop), list(concept)
    drift = {k: list(v) for k, v in (drift or {}).items()}
    dq = {k: list(v) for k, v in (dq or {}).items()}
    metrics = PERF[problem_type]
    est_method = "dle" if problem_type == "regression" else "cbpe"
    for metric, level in metrics.items():
        worse = -1.0 if problem_type != "regression" else 1.0
        size = drop_size * level
        side = "lower" if problem_type != "regression" else "upper"
        b.series(
            "estimated_performance",
            est_method,
            metric,
            None,
            level,
            0.003 * level,
            {p: worse * size for p in drop},
            side=side,
            band=0.02 * level,
        )
        if realized:
            b.series(
                "realized_performance",
                "realized",
                metric,
                None,
                level,
                0.003 * level,
                {**{p: worse * size for p in drop}, **{p: worse * size for p in concept}},
                side=side,
            )
    if business_value:
        rate = 100.0 * ROWS
        loss = {p: -0.3 * rate for p in list(drop) + list(concept)}
        b.series(
            "business_value",
            est_method,
            "business_value",
            None,
            rate,
            0.01 * rate,
            {p: -0.3 * rate for p in drop},
            side="lower",
        )
        if realized:
            b.series("business_value", "realized", "business_value", None, rate, 0.01 * rate, loss, side="lower")
    outputs = list(outputs)
    out_cols = {
        "binary_classification": ["y_pred_proba", "y_pred"],
        "multiclass_classification": ["p_a", "p_b", "p_c", "y_pred"],
        "regression": ["y_pred"],
    }[problem_type]
    all_drift_pos = sorted({p for v in drift.values() for p in v} | set(drop))
    for col in list(FEATURES) + out_cols + ["y_true"]:
        if col in FEATURES:
            pos = drift.get(col, [])
        elif col == "y_true":
            pos = []
        else:
            pos = sorted(set(outputs) | set(drop) | set(all_drift_pos if drift else []))
        lone = [p for f, p in isolated if f == col]
        b.series(
            "univariate_drift",
            "kolmogorov_smirnov",
            "statistic",
            col,
            0.02,
            0.003,
            {**{p: 0.015 for p in lone}, **{p: 0.1 for p in pos}},
        )
        b.series("univariate_drift", "jensen_shannon", "distance", col, 0.01, 0.002, {p: 0.08 for p in pos})
        b.series("data_quality", "missing_values", "rate", col, 0.01, 0.002, {p: 0.3 for p in dq.get(col, [])})
    b.series("multivariate_drift", "pca_reconstruction", "reconstruction_error", None, 1.0, 0.01, {p: 0.2 for p in mv})
    return b.table(), chunks_list(), config_for(problem_type, business_value)
