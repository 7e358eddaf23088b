"""Shared pieces of the performance steps: metric selection, per-chunk series, reference profile, records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reportgen import spec
from reportgen.chunking import Chunk
from reportgen.config import METRICS_BY_PROBLEM, BusinessValueConfig, Config
from reportgen.dataset import Dataset
from reportgen.errors import ConfigError, DataError
from reportgen.performance import metrics as K
from reportgen.performance.bands import ThresholdPlan, alerts, confidence_band, plan_thresholds
from reportgen.performance.overlap import ChunkTrust
from reportgen.performance.sampling_error import (
    Noise,
    cell_indicator,
    classification_noise,
    regression_noise,
    sum_noise,
)
from reportgen.results import concat_results, make_results

Key = tuple[str, str | None]  # (metric, column)


@dataclass
class Series:
    """One metric (and column) over a list of chunks: values, rows behind each value, notes."""

    metric: str
    column: str | None
    values: np.ndarray
    sizes: np.ndarray
    notes: list[str | None] = field(default_factory=list)
    trust: list[str | None] = field(default_factory=list)  # per chunk: high | medium | low (estimates only)

    @property
    def key(self) -> Key:
        return (self.metric, self.column)


def join_notes(*parts: str | None) -> str | None:
    """'a; b' from the non-empty parts, None when there are none."""
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None


def selected_metrics(config: Config) -> tuple[str, ...]:
    """The configured metrics, or every metric of the problem type; business value is its own step."""
    chosen = config.performance.metrics or METRICS_BY_PROBLEM[config.problem_type]
    return tuple(m for m in chosen if m != "business_value")


def estimator_selected(config: Config, name: str) -> bool:
    """True when `name` is among performance.estimators (default: the problem type's first estimator)."""
    fits = spec.ESTIMATORS[config.problem_type]
    chosen = config.performance.estimators or fits[:1]
    wrong = [m for m in chosen if m not in fits]
    if wrong:
        raise ConfigError(
            f"estimator '{wrong[0]}' does not fit problem_type {config.problem_type}; accepted: {', '.join(fits)}",
            file=config.source,
            key="performance.estimators",
        )
    return name in chosen


def value_matrix(config: Config, bv: BusinessValueConfig, classes: Sequence[Any]) -> np.ndarray:
    """The (K, K) value per (true class, predicted class) from the config's business_value section `bv`."""
    k = len(classes)
    if bv.value_matrix is not None:
        matrix = np.asarray(bv.value_matrix, dtype=float)
        if matrix.shape != (k, k):
            raise ConfigError(
                f"value_matrix must be {k} x {k} (rows = true class, columns = predicted class, in the order {list(map(str, classes))}), found shape {matrix.shape}",
                file=config.source,
                key="business_value.value_matrix",
            )
        return matrix
    if bv.matrix is not None and k == 2:
        cells = ("true_positive", "false_positive", "false_negative", "true_negative")
        unknown = sorted(set(bv.matrix) - set(cells))
        if unknown:
            raise ConfigError(
                f"unknown cell(s) {unknown}; the matrix takes {', '.join(cells)}",
                file=config.source,
                key="business_value.matrix",
            )
        m = {c: float(bv.matrix.get(c, 0.0)) for c in cells}
        return np.array([[m["true_negative"], m["false_positive"]], [m["false_negative"], m["true_positive"]]])
    if config.problem_type == "multiclass_classification":
        raise ConfigError(
            "multiclass business value needs value_matrix (rows = true class, columns = predicted class)",
            file=config.source,
            key="business_value.value_matrix",
        )
    raise ConfigError(
        "binary business value needs matrix: {true_positive, false_positive, false_negative, true_negative}",
        file=config.source,
        key="business_value.matrix",
    )


def regression_costs(config: Config, bv: BusinessValueConfig) -> tuple[float, float]:
    """(over_prediction_cost, under_prediction_cost) per unit of error from the business_value section `bv`."""
    if bv.over_prediction_cost is None and bv.under_prediction_cost is None:
        raise ConfigError(
            "regression business value needs over_prediction_cost and/or under_prediction_cost (money per unit of error)",
            file=config.source,
            key="business_value",
        )
    return float(bv.over_prediction_cost or 0.0), float(bv.under_prediction_cost or 0.0)


def require_reference_targets(reference: Dataset, config: Config, who: str) -> None:
    """Fail clearly when the reference has no targets (needed for calibration, SE and thresholds)."""
    if not reference.has_targets:
        raise DataError(
            f"{who} needs targets in the reference data; column '{config.columns.target}' has no values",
            file=reference.source,
            column=config.columns.target,
        )


# --- realized values ----------------------------------------------------------------------------


def _base_notes(sizes: np.ndarray, rows: np.ndarray, what: str = "target") -> list[str | None]:
    out: list[str | None] = []
    for n, r in zip(sizes, rows):
        if n == 0:
            out.append(f"no {what}s in chunk")
        elif r > n:
            out.append(f"{int(r - n):,} rows without {what} left out")
        else:
            out.append(None)
    return out


UNDEFINED = {
    "precision": "no positive predictions: precision undefined",
    "recall": "no positive targets: recall undefined",
    "specificity": "no negative targets: specificity undefined",
    "f1": "no positive targets or predictions: f1 undefined",
    "accuracy": "no rows: accuracy undefined",
    "roc_auc": "single class in chunk: roc_auc undefined",
    "average_precision": "no positive targets in chunk: average_precision undefined",
}


def classification_series(
    matrices: np.ndarray,
    ranking: Callable[[int], tuple[np.ndarray, np.ndarray]],
    metrics: Sequence[str],
    classes: Sequence[Any],
    binary: bool,
    sizes: np.ndarray,
    base_notes: list[str | None],
) -> list[Series]:
    """Series of every selected classification metric (plus confusion counts) from matrices.

    `ranking(k)` returns per-chunk (roc_auc, average_precision) arrays for class k; the matrices
    are realized counts or CBPE's expected counts.
    """
    out: list[Series] = []
    n_chunks = matrices.shape[0]
    cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def ranked(k: int) -> tuple[np.ndarray, np.ndarray]:  # one sort per class serves AUC and AP
        if k not in cache:
            cache[k] = ranking(k)
        return cache[k]

    for metric in metrics:
        if metric in K.RATIO_METRICS:
            values = K.ratio_metric(matrices, metric, binary)
            notes = list(base_notes)
            if not binary and metric != "accuracy":
                per = K.per_class_ratio(matrices, metric)
                for i in range(n_chunks):
                    bad = [str(classes[k]) for k in range(len(classes)) if np.isnan(per[i, k])]
                    if bad and sizes[i] > 0 and len(bad) < len(classes):
                        notes[i] = join_notes(
                            notes[i], f"macro average without class(es) {', '.join(bad)} ({metric} undefined there)"
                        )
            out.append(Series(metric, None, values, sizes, _nan_notes(values, notes, metric)))
        elif metric in K.RANKING_METRICS:
            if binary:
                auc, ap = ranked(1)
                values = auc if metric == "roc_auc" else ap
                out.append(Series(metric, None, values, sizes, _nan_notes(values, list(base_notes), metric)))
            elif metric == "roc_auc":
                per = np.column_stack([ranked(k)[0] for k in range(len(classes))])
                with np.errstate(invalid="ignore"), K._quiet():
                    values = np.nanmean(per, axis=1)
                notes = list(base_notes)
                for i in range(n_chunks):
                    bad = [str(classes[k]) for k in range(len(classes)) if np.isnan(per[i, k])]
                    if bad and sizes[i] > 0 and len(bad) < len(classes):
                        notes[i] = join_notes(
                            notes[i], f"macro average without class(es) {', '.join(bad)} (only one side present)"
                        )
                out.append(Series(metric, None, values, sizes, _nan_notes(values, notes, metric)))
    counts = {c: np.where(sizes[:, None] > 0, v, np.nan) for c, v in K.one_vs_rest_counts(matrices).items()}
    for cell in K.CONFUSION_CELLS:
        if binary:
            out.append(Series(cell, None, counts[cell][:, 1], sizes, list(base_notes)))
        else:
            for k, label in enumerate(classes):
                out.append(Series(cell, str(label), counts[cell][:, k], sizes, list(base_notes)))
    return out


def _nan_notes(values: np.ndarray, notes: list[str | None], metric: str) -> list[str | None]:
    out = []
    for v, note in zip(values, notes):
        if np.isnan(v) and not (note and note.startswith("no targets")):
            out.append(join_notes(note, UNDEFINED.get(metric, f"{metric} undefined")))
        else:
            out.append(note)
    return out


def realized_classification(
    ds: Dataset, chunks: Sequence[Chunk], metrics: Sequence[str], binary: bool
) -> tuple[list[Series], np.ndarray]:
    """Realized classification series over `chunks` of one period, and the confusion matrices."""
    starts, ends = K.chunk_bounds(chunks)
    ids = K.chunk_ids(ds.n_rows, starts, ends)
    n_classes = len(ds.classes)
    y = ds.y_true if ds.y_true is not None else np.full(ds.n_rows, -1, dtype=np.int64)
    matrices = K.confusion_matrices(y, ds.y_pred, ids, len(chunks), n_classes)
    sizes = matrices.sum(axis=(1, 2))
    notes = _base_notes(sizes, (ends - starts).astype(float))
    proba = ds.probabilities
    valid = (y >= 0) & (ds.y_pred >= 0) & np.isfinite(proba).all(axis=1)

    def ranking(k: int) -> tuple[np.ndarray, np.ndarray]:
        pos = ((y == k) & valid).astype(float)
        neg = ((y != k) & valid).astype(float)
        return K.ranking_metrics(proba[:, k], pos, neg, starts, ends, valid)

    return classification_series(matrices, ranking, metrics, ds.classes, binary, sizes, notes), matrices


def realized_regression(ds: Dataset, chunks: Sequence[Chunk], metrics: Sequence[str]) -> list[Series]:
    """Realized regression series over `chunks` of one period."""
    starts, ends = K.chunk_bounds(chunks)
    y = ds.y_true if ds.y_true is not None else np.full(ds.n_rows, np.nan)
    valid = np.isfinite(y) & np.isfinite(ds.y_pred)
    sizes = K.chunk_sum(valid, starts, ends).astype(float)
    notes = _base_notes(sizes, (ends - starts).astype(float))
    losses = K.regression_losses(np.where(valid, y, 0.0), np.where(valid, ds.y_pred, 0.0))
    out = []
    for metric in metrics:
        loss = losses[K.REGRESSION_LOSSES[metric]]
        undefined = valid & np.isnan(loss)
        sums = K.chunk_sum(np.where(valid & ~undefined, loss, 0.0), starts, ends)
        bad = K.chunk_sum(undefined, starts, ends) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(sizes > 0, sums / np.where(sizes > 0, sizes, 1.0), np.nan)
        values = K.finalize_regression(metric, np.where(bad, np.nan, mean))
        chunk_notes = [
            join_notes(nt, f"negative values in chunk: {metric} undefined") if b else nt for nt, b in zip(notes, bad)
        ]
        out.append(Series(metric, None, values, sizes, chunk_notes))
    return out


# --- what every step learns from the reference --------------------------------------------------


class ReferenceProfile:
    """Realized reference-chunk values (for thresholds) and the sampling error of every metric."""

    def __init__(self, reference: Dataset, chunks: Sequence[Chunk], config: Config, metrics: Sequence[str]) -> None:
        self.problem_type = config.problem_type
        self.binary = config.problem_type == "binary_classification"
        self.metrics = tuple(metrics)
        self.chunk_values: dict[Key, np.ndarray] = {}
        self.noise: dict[Key, Noise] = {}
        if config.problem_type == "regression":
            series = realized_regression(reference, chunks, metrics)
            y, yhat = reference.targets, reference.y_pred
            ok = np.isfinite(y) & np.isfinite(yhat)
            for m in metrics:
                self.noise[(m, None)] = regression_noise(y[ok], yhat[ok], m)
        else:
            series, _ = realized_classification(reference, chunks, metrics, self.binary)
            y = reference.targets
            ok = (y >= 0) & (reference.y_pred >= 0) & np.isfinite(reference.probabilities).all(axis=1)
            yv, pv, proba = y[ok], reference.y_pred[ok], reference.probabilities[ok]
            for m in metrics:
                self.noise[(m, None)] = classification_noise(yv, pv, proba, m, self.binary, seed=config.seed)
            for cell in K.CONFUSION_CELLS:
                if self.binary:
                    self.noise[(cell, None)] = sum_noise(cell_indicator(yv, pv, cell, 1))
                else:
                    for k, label in enumerate(reference.classes):
                        self.noise[(cell, str(label))] = sum_noise(cell_indicator(yv, pv, cell, k))
        for s in series:
            self.chunk_values[s.key] = s.values

    def add(self, key: Key, chunk_values: np.ndarray, noise: Noise) -> None:
        """Register a metric computed elsewhere (business value)."""
        self.chunk_values[key] = chunk_values
        self.noise[key] = noise


def series_records(
    step: str,
    method: str,
    series: Series,
    chunks: Sequence[Chunk],
    noise: Noise | None,
    plan: ThresholdPlan | None,
) -> pd.DataFrame:
    """Result records of one series: value, sampling error, ±3 SE band, thresholds, alerts, notes."""
    values = np.asarray(series.values, dtype=float)
    if noise is not None and np.isfinite(noise.sd):
        se = noise.se(series.sizes)
        lower_c, upper_c = confidence_band(values, se, series.metric)
    else:
        se = lower_c = upper_c = np.full(values.shape, np.nan)
    alert = alerts(values, plan) if plan is not None else None
    return make_results(
        step=step,
        method=method,
        metric=series.metric,
        column=series.column,
        chunk_index=[c.index for c in chunks],
        period=[c.period for c in chunks],
        value=values,
        sampling_error=se,
        lower_confidence=lower_c,
        upper_confidence=upper_c,
        lower_threshold=None if plan is None else plan.lower,
        upper_threshold=None if plan is None else plan.upper,
        alert=alert,
        note=np.asarray(series.notes, dtype=object) if series.notes else None,
        trust=np.asarray(series.trust, dtype=object) if series.trust else None,
    )


def concat_series(a: Series, b: Series) -> Series:
    """Reference series followed by the analysis series of the same metric."""
    return Series(
        a.metric,
        a.column,
        np.concatenate([a.values, b.values]),
        np.concatenate([a.sizes, b.sizes]),
        list(a.notes) + list(b.notes),
        list(a.trust) + list(b.trust) if a.trust and b.trust else [],
    )


def with_trust(series: list[Series], trust: Sequence[ChunkTrust]) -> list[Series]:
    """The series with each chunk's trust level, and its reason appended to the chunk's note."""
    for s in series:
        s.trust = [t.level for t in trust]
        s.notes = [join_notes(n, t.reason) for n, t in zip(s.notes or [None] * len(trust), trust)]
    return series


def thresholds_for(
    config: Config, keys: Sequence[tuple[str, str]], profile: ReferenceProfile, series: Series
) -> ThresholdPlan | None:
    """Threshold plan of a model-level metric (none for confusion counts)."""
    if series.metric in K.CONFUSION_CELLS:
        return None
    return plan_thresholds(
        config,
        keys,
        series.metric,
        profile.chunk_values.get(series.key, np.array([])),
        profile.noise.get(series.key),
        series.sizes,
    )


def estimated_records(
    method: str,
    reference: Sequence[Series],
    analysis: Sequence[Series],
    chunks: Sequence[Chunk],
    config: Config,
    profile: ReferenceProfile,
    plans: dict[Any, ThresholdPlan],
) -> pd.DataFrame:
    """estimated_performance records of one method (cbpe | dle) over the reference then analysis chunks.

    Estimated and realized values of a metric share thresholds (the realized reference chunks set
    them); each metric's plan is stored in `plans` for the method appendix.
    """
    keys = [("estimated_performance", method), ("realized_performance", "realized")]
    frames = []
    for ref_series, ana_series in zip(reference, analysis):
        series = concat_series(ref_series, ana_series)
        plan = thresholds_for(config, keys, profile, series)
        if plan is not None:
            plans[series.key] = plan
        frames.append(
            series_records("estimated_performance", method, series, chunks, profile.noise.get(series.key), plan)
        )
    return concat_results(frames)
