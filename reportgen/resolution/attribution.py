"""Concept-drift attribution: which features' relationship with the target changed.

Under concept drift the inputs keep their distribution, so drift statistics cannot name the
features involved. The model's residuals can: where the link between a feature and the target
changed, the residual (target minus prediction) develops a pattern along that feature. For each
feature we bin it on reference quantiles (categories: their codes; missing: its own bin), take the
mean residual per bin in the drifted chunks and in the reference, remove the overall shift of the
residual (a change of the base rate touches every feature alike), and add up the squared, standard-
error-scaled bin differences: a chi-squared statistic with one degree of freedom per bin (minus
one), summed over classes for multiclass models. Its p-value says whether the pattern is beyond
sampling noise, with the Benjamini-Hochberg procedure over the features (many features tested at
once); the features are ranked by the statistic's excess over its degrees of freedom. Like every
other threshold it is calibrated on the reference: blocks of the reference as large as the tested
rows are each tested against the rest, and a feature is named only when its excess per row beats
the largest any block shows (a model that always fitted that feature unevenly is not a change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from reportgen.dataset import Column, MonitoringData

N_BINS = 10
MIN_ROWS = 30
ALPHA = 1e-3


@dataclass(frozen=True)
class FeatureShift:
    """How strongly one feature's link with the target changed (chi-squared on binned residuals)."""

    feature: str
    statistic: float
    dof: int
    p_value: float
    rows: int = 0

    @property
    def excess_per_row(self) -> float:
        """Statistic beyond its degrees of freedom, per row tested: comparable across sample sizes."""
        return max(self.statistic - self.dof, 0.0) / max(self.rows, 1)

    @property
    def score(self) -> float:
        """Excess of the statistic over its degrees of freedom, per degree of freedom."""
        return (self.statistic - self.dof) / max(self.dof, 1)


def residuals(data: MonitoringData, period: str, rows: np.ndarray | None = None) -> np.ndarray | None:
    """(n, k) residuals target minus prediction (one column per class for classifiers); NaN where no target."""
    ds = data.dataset(period)
    if ds.y_true is None:
        return None
    y = ds.y_true if rows is None else ds.y_true[rows]
    if data.problem_type == "regression":
        pred = ds.y_pred if rows is None else ds.y_pred[rows]
        return (np.asarray(y, dtype=float) - np.asarray(pred, dtype=float))[:, None]
    if ds.y_proba is None:
        return None
    proba = ds.y_proba if rows is None else ds.y_proba[rows]
    y = np.asarray(y)
    missing = y < 0
    onehot = (y[:, None] == np.arange(proba.shape[1])[None, :]).astype(float)
    res = onehot - proba
    res[missing] = np.nan
    if data.problem_type == "binary_classification":
        return res[:, 1:2]
    return res


def bin_codes(column: Column, ref_values: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Bin codes for reference and analysis values: category codes, or reference quantile bins (+1 missing bin)."""
    if column.is_categorical:
        n = column.n_levels
        return np.asarray(ref_values, dtype=np.int64), np.asarray(values, dtype=np.int64), n
    ref = np.asarray(ref_values, dtype=float)
    finite = ref[np.isfinite(ref)]
    if finite.size == 0:
        edges = np.array([])
    else:
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, N_BINS + 1)[1:-1]))
    n = len(edges) + 2  # the last bin holds missing values

    def codes(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        out = np.searchsorted(edges, v, side="right").astype(np.int64)
        out[~np.isfinite(v)] = n - 1
        return out

    return codes(ref), codes(values), n


def feature_shift(
    name: str, ref_bins: np.ndarray, ana_bins: np.ndarray, n_bins: int, ref_res: np.ndarray, ana_res: np.ndarray
) -> FeatureShift | None:
    """Chi-squared statistic of the per-bin change in mean residual, after removing the overall change."""
    stat, dof, rows = 0.0, 0, 0
    for k in range(ref_res.shape[1]):
        r_ok = np.isfinite(ref_res[:, k])
        a_ok = np.isfinite(ana_res[:, k])
        rb, rr = ref_bins[r_ok], ref_res[r_ok, k]
        ab, ar = ana_bins[a_ok], ana_res[a_ok, k]
        if ar.size < MIN_ROWS or rr.size < MIN_ROWS:
            continue
        n_r = np.bincount(rb, minlength=n_bins).astype(float)
        n_a = np.bincount(ab, minlength=n_bins).astype(float)
        m_r = np.bincount(rb, weights=rr, minlength=n_bins) / np.maximum(n_r, 1)
        m_a = np.bincount(ab, weights=ar, minlength=n_bins) / np.maximum(n_a, 1)
        v_r = np.bincount(rb, weights=rr**2, minlength=n_bins) / np.maximum(n_r, 1) - m_r**2
        v_a = np.bincount(ab, weights=ar**2, minlength=n_bins) / np.maximum(n_a, 1) - m_a**2
        use = (n_r >= 10) & (n_a >= 10)
        if use.sum() < 2:
            continue
        delta = m_a[use] - m_r[use]
        var = np.maximum(v_a[use], 1e-12) / n_a[use] + np.maximum(v_r[use], 1e-12) / n_r[use]
        w = 1.0 / var
        overall = float((w * delta).sum() / w.sum())  # the shift every bin shares (base-rate change)
        stat += float((w * (delta - overall) ** 2).sum())
        dof += int(use.sum()) - 1
        rows = max(rows, int(ar.size))
    if dof == 0:
        return None
    return FeatureShift(name, stat, dof, float(stats.chi2.sf(stat, dof)), rows)


def benjamini_hochberg(p_values: list[float], alpha: float) -> list[bool]:
    """Which hypotheses the Benjamini-Hochberg step-up procedure rejects at false-discovery rate alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cut = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= alpha * rank / m:
            cut = rank
    rejected = [False] * m
    for i in order[:cut]:
        rejected[i] = True
    return rejected


def reference_excess(data: MonitoringData, name: str, column: Column, ref_res: np.ndarray, rows: int) -> float:
    """Largest excess per row of one feature's statistic over blocks of the reference, each against the rest.

    Blocks hold as many consecutive rows as the analysis rows tested (at most a quarter of the
    reference), so their sampling noise per row is comparable; what stands out in them is structure
    the reference itself carries from one period to the next.
    """
    n = len(ref_res)
    size = max(MIN_ROWS, min(int(rows), n // 4))
    worst = 0.0
    for start in range(0, n - size + 1, size):
        inside = np.zeros(n, dtype=bool)
        inside[start : start + size] = True
        rest_bins, block_bins, n_bins = bin_codes(column, column.values[~inside], column.values[inside])
        shift = feature_shift(name, rest_bins, block_bins, n_bins, ref_res[~inside], ref_res[inside])
        if shift is not None:
            worst = max(worst, shift.excess_per_row)
    return worst


def concept_features(data: MonitoringData, chunk_indices: Iterable[int], *, alpha: float = ALPHA) -> list[FeatureShift]:
    """Features whose link with the target changed in the given analysis chunks, strongest first.

    Returns only features significant at false-discovery rate `alpha` over all features
    (Benjamini-Hochberg), beyond what reference chunks show, and at least a third as strong as the
    strongest one; an empty list when there are no targets.
    """
    wanted = set(int(i) for i in chunk_indices)
    rows = [np.arange(c.start_row, c.end_row) for c in data.analysis_chunks if c.index in wanted]
    if not rows:
        return []
    idx = np.concatenate(rows)
    ref_res = residuals(data, "reference")
    ana_res = residuals(data, "analysis", idx)
    if ref_res is None or ana_res is None or not np.isfinite(ana_res).any():
        return []
    found = []
    for name, column in data.reference.features.items():
        ana_col = data.analysis.features[name]
        rb, ab, n = bin_codes(column, column.values, ana_col.values[idx])
        shift = feature_shift(name, rb, ab, n, ref_res, ana_res)
        if shift is not None:
            found.append(shift)
    found.sort(key=lambda s: (-s.score, s.feature))
    if not found:
        return []
    significant = benjamini_hochberg([s.p_value for s in found], alpha)
    found = [
        s
        for s, ok in zip(found, significant)
        if ok
        and s.excess_per_row > reference_excess(data, s.feature, data.reference.features[s.feature], ref_res, len(idx))
    ]
    if not found:
        return []
    best = found[0].score
    return [s for s in found if s.score >= best / 3]
