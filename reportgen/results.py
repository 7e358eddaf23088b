"""The one tidy Result schema every step returns: one row per (step, method, metric, column, chunk).

The columns are the results.json record (README "results.json"), in that order, plus `note` (an extension: why
a value is NaN, e.g. "single class in chunk", or how unusual it is) and `trust` (estimated
performance only: high | medium | low, how far the chunk lies inside the reference's support; the
reason is in `note`; null elsewhere). Vocabulary:

step                   method                                  metric
estimated_performance  cbpe | dle                              roc_auc, f1, ..., mae, rmse, ...
realized_performance   realized                                same metrics as estimated
business_value         cbpe | dle | realized                   business_value, cumulative_business_value
multivariate_drift     pca_reconstruction | domain_classifier  reconstruction_error | roc_auc
univariate_drift       kolmogorov_smirnov, jensen_shannon,     statistic | p_value | distance |
                       wasserstein, hellinger, chi2,           scaled_distance (the alerting metric
                       l_infinity, psi                         is the one a method's `metric` names)
data_quality           missing_values | unseen_values          rate | count
summary_stats          summary_stats                           mean, std, median, min, max, rows

`column` is the feature (or model output) a record is about, null for model-level records.
`chunk_index` runs over the reference chunks first, then the analysis chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from reportgen.errors import StepError
from reportgen.spec import STEP_NAMES

COLUMNS: tuple[str, ...] = (
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
)
STRING_COLUMNS = ("step", "method", "metric", "column", "period", "note", "trust")
FLOAT_COLUMNS = (
    "value",
    "sampling_error",
    "lower_confidence",
    "upper_confidence",
    "lower_threshold",
    "upper_threshold",
)
STEPS = STEP_NAMES  # results.json order, from reportgen.spec
PERIODS = ("reference", "analysis")


def empty_results() -> pd.DataFrame:
    """A zero-row frame with the schema's columns and dtypes."""
    return conform(pd.DataFrame({c: [] for c in COLUMNS}))


def make_results(
    *,
    step: str,
    method: str | None | np.ndarray,  # one name, or one per chunk
    metric: str | np.ndarray,
    column: str | None | np.ndarray,
    chunk_index: Sequence[int] | np.ndarray,
    period: Sequence[str] | np.ndarray,
    value: Sequence[float] | np.ndarray,
    sampling_error: Any = None,
    lower_confidence: Any = None,
    upper_confidence: Any = None,
    lower_threshold: Any = None,
    upper_threshold: Any = None,
    alert: Any = None,
    note: Any = None,
    trust: Any = None,
) -> pd.DataFrame:
    """Records for one (step, method, metric, column) over many chunks, from arrays or scalars.

    Scalars (including None) are broadcast over the chunks; arrays must have one value per chunk.
    """
    n = len(chunk_index)
    data: dict[str, Any] = {
        "step": step,
        "method": method,
        "metric": metric,
        "column": column,
        "chunk_index": np.asarray(chunk_index, dtype=np.int64),
        "period": np.asarray(period, dtype=object) if not isinstance(period, str) else period,
        "value": value,
        "sampling_error": sampling_error,
        "lower_confidence": lower_confidence,
        "upper_confidence": upper_confidence,
        "lower_threshold": lower_threshold,
        "upper_threshold": upper_threshold,
        "alert": alert,
        "note": note,
        "trust": trust,
    }
    frame = pd.DataFrame({k: _broadcast(v, n) for k, v in data.items()}, columns=list(COLUMNS))
    return conform(frame)


def _broadcast(value: Any, n: int) -> Any:
    if value is None or np.isscalar(value):
        return [value] * n
    arr = np.asarray(value)
    if arr.ndim == 0:
        return [arr.item()] * n
    if len(arr) != n:
        raise ValueError(f"expected {n} values, got {len(arr)}")
    return value


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast a frame to the schema's dtypes and column order (missing optional columns -> null)."""
    out = pd.DataFrame(index=frame.index)
    for col in COLUMNS:
        series = frame[col] if col in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        if col in STRING_COLUMNS:
            out[col] = series.astype(object).where(series.notna(), None)
        elif col in FLOAT_COLUMNS:
            out[col] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif col == "chunk_index":
            out[col] = series.astype("int64")
        elif col == "alert":
            out[col] = series.astype("boolean")
    return out.reset_index(drop=True)


def concat_results(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate step outputs into one table in a stable, deterministic order."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty_results()
    table = pd.concat([conform(f) for f in frames], ignore_index=True)
    return table


def validate_results(frame: pd.DataFrame, *, step_name: str | None = None) -> pd.DataFrame:
    """Check a step's output against the schema; raise StepError naming what is wrong."""
    who = f"step '{step_name}'" if step_name else "results"
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise StepError(f"{who} output lacks columns {missing}")
    extra = [c for c in frame.columns if c not in COLUMNS]
    if extra:
        raise StepError(f"{who} output has unknown columns {extra}")
    bad_steps = set(frame["step"].dropna()) - set(STEPS)
    if bad_steps or frame["step"].isna().any():
        raise StepError(f"{who} output has unknown step names {sorted(map(str, bad_steps))}")
    bad_periods = set(frame["period"].dropna()) - set(PERIODS)
    if bad_periods or frame["period"].isna().any():
        raise StepError(f"{who} output has invalid periods {sorted(map(str, bad_periods))}")
    if frame["metric"].isna().any():
        raise StepError(f"{who} output has records without a metric")
    for col in FLOAT_COLUMNS:
        if not pd.api.types.is_float_dtype(frame[col]):
            raise StepError(f"{who} output column '{col}' is not float")
    key = ["step", "method", "metric", "column", "chunk_index"]
    dup = frame.duplicated(subset=key)
    if dup.any():
        row = frame.loc[dup].iloc[0]
        raise StepError(f"{who} output repeats the record {dict(row[key])}")
    return frame


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records: NaN and +-inf -> None (JSON has no infinity), numpy scalars -> Python."""
    records = []
    for row in frame.itertuples(index=False):
        rec: dict[str, Any] = {}
        for col, val in zip(COLUMNS, row):
            if val is None or val is pd.NA or (isinstance(val, (float, np.floating)) and not np.isfinite(val)):
                rec[col] = None
            elif isinstance(val, (np.bool_, bool)):
                rec[col] = bool(val)
            elif isinstance(val, np.integer):
                rec[col] = int(val)
            elif isinstance(val, np.floating):
                rec[col] = float(val)
            else:
                rec[col] = val
        records.append(rec)
    return records
