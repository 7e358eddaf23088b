"""Metric kernels, vectorised over chunks: confusion matrices, ranking metrics, regression losses.

Everything is computed from arrays prepared once for a whole period. Classification metrics come
from per-chunk confusion matrices, realized (counts) or expected (CBPE: sums of calibrated
probabilities), so realized and estimated metrics share one formula. ROC AUC and average precision
come from the (expected) TP/FP curve over each chunk's scores in descending order, tie groups
collapsed into one step, which for 0/1 weights is exactly scikit-learn's definition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reportgen.chunking import Chunk

RATIO_METRICS = ("f1", "precision", "recall", "specificity", "accuracy")
RANKING_METRICS = ("roc_auc", "average_precision")
CONFUSION_CELLS = ("true_positive", "false_positive", "false_negative", "true_negative")
REGRESSION_LOSSES = {
    "mae": "absolute",
    "mse": "squared",
    "rmse": "squared",
    "mape": "relative",
    "msle": "squared_log",
    "rmsle": "squared_log",
}
EPS = np.finfo(np.float64).eps  # scikit-learn's floor for |y| in MAPE


def chunk_bounds(chunks: Sequence[Chunk]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) row positions of the chunks."""
    starts = np.array([c.start_row for c in chunks], dtype=np.int64)
    ends = np.array([c.end_row for c in chunks], dtype=np.int64)
    return starts, ends


def chunk_ids(n_rows: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per-row chunk position, -1 for rows outside every chunk."""
    ids = np.full(n_rows, -1, dtype=np.int64)
    for pos, (s, e) in enumerate(zip(starts, ends)):
        ids[s:e] = pos
    return ids


def chunk_sum(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per-chunk sums of `values` (1-D or 2-D along axis 0) with one np.add.reduceat."""
    values = np.asarray(values)
    shape = (len(starts),) + values.shape[1:]
    if len(starts) == 0:
        return np.zeros(shape, dtype=np.float64)
    if values.dtype.kind in "bi" and values.dtype.itemsize < 8:
        values = values.astype(np.int64)
    if ends.max() >= len(values):
        values = np.concatenate([values, np.zeros((1,) + values.shape[1:], dtype=values.dtype)])
    idx = np.empty(2 * len(starts), dtype=np.int64)
    idx[0::2] = starts
    idx[1::2] = ends
    out = np.add.reduceat(values, idx, axis=0)[0::2]
    out[starts == ends] = 0
    return out


# --- confusion matrices -------------------------------------------------------------------------


def confusion_matrices(
    y_true: np.ndarray, y_pred: np.ndarray, ids: np.ndarray, n_chunks: int, n_classes: int
) -> np.ndarray:
    """Realized (n_chunks, K, K) counts, rows = true class, columns = predicted class.

    Rows with a missing target (-1), an unknown label (-2) or a missing prediction, and rows
    outside every chunk are left out.
    """
    k = n_classes
    ok = (y_true >= 0) & (y_pred >= 0) & (ids >= 0)
    flat = (ids[ok] * (k * k) + y_true[ok] * k + y_pred[ok]).astype(np.int64)
    counts = np.bincount(flat, minlength=n_chunks * k * k)
    return counts.reshape(n_chunks, k, k).astype(np.float64)


def expected_confusion_matrices(proba: np.ndarray, y_pred: np.ndarray, ids: np.ndarray, n_chunks: int) -> np.ndarray:
    """CBPE's expected (n_chunks, K, K) confusion matrix: cell (k, j) = sum of P(class k) over rows predicted j.

    Rows with a missing prediction or non-finite probabilities are left out.
    """
    k = proba.shape[1]
    ok = (y_pred >= 0) & (ids >= 0) & np.isfinite(proba).all(axis=1)
    key = ids[ok] * k + y_pred[ok]
    out = np.empty((n_chunks, k, k), dtype=np.float64)
    for true_class in range(k):
        out[:, true_class, :] = np.bincount(key, weights=proba[ok, true_class], minlength=n_chunks * k).reshape(
            n_chunks, k
        )
    return out


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def one_vs_rest_counts(matrices: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class tp, fp, fn, tn as (n_chunks, K) arrays from (n_chunks, K, K) matrices."""
    tp = np.diagonal(matrices, axis1=1, axis2=2).copy()
    pred = matrices.sum(axis=1)
    true = matrices.sum(axis=2)
    total = matrices.sum(axis=(1, 2))[:, None]
    fp = pred - tp
    fn = true - tp
    tn = total - tp - fp - fn
    return {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn}


def per_class_ratio(matrices: np.ndarray, metric: str) -> np.ndarray:
    """(n_chunks, K) precision / recall / f1 / specificity per class (NaN where undefined)."""
    c = one_vs_rest_counts(matrices)
    tp, fp, fn, tn = c["true_positive"], c["false_positive"], c["false_negative"], c["true_negative"]
    if metric == "precision":
        return _div(tp, tp + fp)
    if metric == "recall":
        return _div(tp, tp + fn)
    if metric == "specificity":
        return _div(tn, tn + fp)
    if metric == "f1":
        return _div(2 * tp, 2 * tp + fp + fn)
    raise ValueError(metric)


def ratio_metric(matrices: np.ndarray, metric: str, binary: bool) -> np.ndarray:
    """Per-chunk accuracy, or precision / recall / f1 / specificity of the positive class (binary)
    or their macro average over the classes where they are defined (multiclass; as scikit-learn
    with zero_division=np.nan)."""
    if metric == "accuracy":
        total = matrices.sum(axis=(1, 2))
        return _div(np.trace(matrices, axis1=1, axis2=2), total)
    per_class = per_class_ratio(matrices, metric)
    if binary:
        return per_class[:, 1]
    with np.errstate(invalid="ignore"), _quiet():
        return np.nanmean(per_class, axis=1)


class _quiet:
    """Silence numpy's 'mean of empty slice' warning: an all-NaN row is NaN, by design."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


# --- ranking metrics ----------------------------------------------------------------------------


def curve_metrics(score: np.ndarray, w_pos: np.ndarray, w_neg: np.ndarray) -> tuple[float, float]:
    """ROC AUC and average precision of one chunk from (expected) positive / negative weights.

    Rows are sorted by score, descending; each group of tied scores is one step of the TP/FP
    curve. AUC is the trapezoid area under (FP/N, TP/P); AP = sum over steps of
    (TP_k - TP_{k-1}) / P * TP_k / (TP_k + FP_k). With 0/1 weights both equal scikit-learn's
    roc_auc_score and average_precision_score. NaN when P or N is zero.
    """
    if score.size == 0:
        return np.nan, np.nan
    order = np.argsort(-score, kind="stable")
    s = score[order]
    tp = np.cumsum(w_pos[order])
    fp = np.cumsum(w_neg[order])
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    tp, fp = tp[last], fp[last]
    p, n = tp[-1], fp[-1]
    tp0 = np.r_[0.0, tp[:-1]]
    fp0 = np.r_[0.0, fp[:-1]]
    auc = float(np.sum((fp - fp0) * (tp + tp0)) / (2.0 * p * n)) if p > 0 and n > 0 else np.nan
    if p > 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            prec = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1.0), 0.0)
        ap = float(np.sum((tp - tp0) * prec) / p)
    else:
        ap = np.nan
    return auc, ap


def ranking_metrics(
    score: np.ndarray,
    w_pos: np.ndarray,
    w_neg: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-chunk (roc_auc, average_precision); chunk-local exact statistics (one sort per chunk)."""
    auc = np.full(len(starts), np.nan)
    ap = np.full(len(starts), np.nan)
    for i, (a, b) in enumerate(zip(starts, ends)):
        s, wp, wn = score[a:b], w_pos[a:b], w_neg[a:b]
        if valid is not None:
            m = valid[a:b]
            if not m.all():
                s, wp, wn = s[m], wp[m], wn[m]
        auc[i], ap[i] = curve_metrics(s, wp, wn)
    return auc, ap


# --- regression ---------------------------------------------------------------------------------


def regression_losses(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, np.ndarray]:
    """Per-row losses: absolute, squared, relative (MAPE, |y| floored at eps as scikit-learn),
    squared_log (NaN where y or prediction is negative), over / under (error parts)."""
    err = y_pred - y_true
    with np.errstate(invalid="ignore"):
        neg = (y_true < 0) | (y_pred < 0)
        sle = np.where(neg, np.nan, (np.log1p(np.where(neg, 0.0, y_pred)) - np.log1p(np.where(neg, 0.0, y_true))) ** 2)
    return {
        "absolute": np.abs(err),
        "squared": err * err,
        "relative": np.abs(err) / np.maximum(np.abs(y_true), EPS),
        "squared_log": sle,
        "over": np.maximum(err, 0.0),
        "under": np.maximum(-err, 0.0),
    }


def finalize_regression(metric: str, mean_loss: np.ndarray) -> np.ndarray:
    """Metric from the mean per-row loss: the square root for rmse and rmsle, identity otherwise."""
    if metric in ("rmse", "rmsle"):
        return np.sqrt(np.maximum(mean_loss, 0.0))
    return mean_loss
