"""Minimum rows (and labels) per chunk below which a record may not alert.

A chunk's statistic is judged only when its sampling error, one standard deviation under no change,
is at most `MAX_SAMPLING_ERROR` (0.05) on the statistic's 0-1 scale:

- a classification metric (accuracy, F1, precision, recall, ROC AUC) at a typical level of 0.85:
  binomial error sqrt(0.85 * 0.15 / n) <= 0.05 needs n >= 51: 50 rows (labels for realized metrics);
  at the worst case 0.5 that size gives 0.071;
- the Kolmogorov-Smirnov D of a chunk of n rows against a large reference: its no-change standard
  deviation is about 0.26 / sqrt(n) (Kolmogorov's limiting distribution), <= 0.05 from 27 rows: 30;
  the bucket distances (Jensen-Shannon, Hellinger, L-infinity, PSI, chi-squared on proportions) and
  the Wasserstein distance move with the same per-row proportions, so they share that minimum;
- regression errors (MAE, RMSE, ...) are means of per-row errors: the relative error of a mean of
  half-normal absolute errors is 0.76 / sqrt(n), about 0.1 (a tenth of the level) at 50 rows;
- missing-value and unseen-category rates are small rates: at p <= 0.1 the error sqrt(p (1 - p) / n)
  is <= 0.055 at 30 rows;
- multivariate drift: PCA reconstruction error is a mean of per-row errors (as above: 30 rows gives a
  relative error of about 0.14 for an exponential-like error), the domain classifier's ROC AUC needs the
  classification minimum (50).

Thresholds are learned for the reference chunks' size; these minimums stop a stray 1-row chunk (a
period with one late row) from alerting on noise. Below them a record keeps its value and bands,
its `alert` is null and its `note` says why; the resolution and the report leave it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

MAX_SAMPLING_ERROR = 0.05
UNDERSIZED_NOTE = "too few rows to judge"

# step -> {method or "*": minimum rows}; realized metrics count labelled rows (LABEL_STEPS)
MIN_ROWS: dict[str, dict[str, int]] = {
    "estimated_performance": {"*": 50},
    "realized_performance": {"*": 50},
    "business_value": {"*": 50},
    "multivariate_drift": {"pca_reconstruction": 30, "domain_classifier": 50, "*": 30},
    "univariate_drift": {"*": 30},
    "data_quality": {"*": 30},
    "summary_stats": {"*": 0},
}
LABEL_STEPS = {("realized_performance", "*"), ("business_value", "realized")}


def minimum_rows(step: str, method: str | None) -> tuple[int, bool]:
    """(minimum count, counts labels?) for a step and method."""
    table = MIN_ROWS.get(step, {"*": 0})
    key = method if method in table else "*"
    labels = (step, "*") in LABEL_STEPS or (step, method) in LABEL_STEPS
    return table[key], labels


def label_counts(data: Any) -> dict[int, int | None]:
    """{chunk index: rows with a label} for every chunk; None for a period without any target column."""
    out: dict[int, int | None] = {}
    for period in ("reference", "analysis"):
        if period == "analysis" and getattr(data, "facts", None) is not None:
            out.update(data.facts.labelled())  # a streamed run: from the per-chunk facts
            continue
        ds = data.dataset(period)
        chunks = data.chunks_of(period)
        if ds.y_true is None:
            out.update({c.index: None for c in chunks})
            continue
        labelled = np.isfinite(ds.y_true) if ds.y_true.dtype.kind == "f" else ds.y_true >= 0
        cumulative = np.concatenate([[0], np.cumsum(labelled, dtype=np.int64)])
        out.update({c.index: int(cumulative[c.end_row] - cumulative[c.start_row]) for c in chunks})
    return out


def apply_minimums(results: pd.DataFrame, rows: Mapping[int, int], labels: Mapping[int, int | None]) -> pd.DataFrame:
    """Records of chunks below their method's minimum: `alert` null and a note (value and bands kept)."""
    if results.empty:
        return results
    chunk = results["chunk_index"].to_numpy()
    have_rows = np.array([rows.get(int(i), 0) for i in chunk], dtype=np.int64)
    have_labels = np.array([labels.get(int(i)) or 0 for i in chunk], dtype=np.int64)
    need = np.zeros(len(results), dtype=np.int64)
    by_labels = np.zeros(len(results), dtype=bool)
    for (step, method), idx in results.groupby(["step", results["method"].fillna("")], sort=False).groups.items():
        n, lab = minimum_rows(str(step), str(method) or None)
        pos = results.index.get_indexer(idx)
        need[pos] = n
        by_labels[pos] = lab
    have = np.where(by_labels, have_labels, have_rows)
    short = have < need
    if not short.any():
        return results
    out = results.copy()
    alert = out["alert"].copy()
    alert[short] = pd.NA
    out["alert"] = alert
    notes = out["note"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(short):
        what = "labels" if by_labels[i] else "rows"
        text = f"{UNDERSIZED_NOTE}: {have[i]:,} {what[:-1] if have[i] == 1 else what}, this method needs {need[i]:,}"
        notes[i] = f"{text}; {notes[i]}" if notes[i] else text
    out["note"] = notes
    return out


def undersized(frame: pd.DataFrame) -> pd.Series:
    """True for records left unjudged by `apply_minimums` (read from their note, so results.json works too)."""
    note = frame["note"]
    return note.notna() & note.astype(str).str.startswith(UNDERSIZED_NOTE)


def for_resolution(results: pd.DataFrame) -> pd.DataFrame:
    """The table the resolution reasons over: undersized analysis records carry no value.

    They then join no diagnosis, headline number or section status; reference records stay (they
    set the reference levels).
    """
    mask = undersized(results) & (results["period"] == "analysis")
    if not mask.any():
        return results
    out = results.copy()
    out.loc[mask, ["value", "lower_confidence", "upper_confidence", "sampling_error"]] = np.nan
    return out
