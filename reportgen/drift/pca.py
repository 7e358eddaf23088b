"""Data reconstruction with PCA (NannyML's multivariate drift definition), in plain numpy.

Definition (NannyML, "Data Reconstruction with PCA"): impute missing values (mean for continuous,
most frequent category for categorical features), encode categoricals, standardise every feature
with the reference mean and standard deviation, fit PCA on the reference keeping the smallest
number of components whose cumulative explained variance exceeds `variance` (scikit-learn's rule
for a float `n_components`), and score each row by the Euclidean distance between its standardised
vector and that vector's reconstruction from the components. A chunk's value is the mean row error.

Encoding: categorical codes become their reference frequency (the share of non-missing reference
rows in that category; unseen categories get 0, i.e. "rarer than anything in reference"; missing
values are imputed with the most frequent category first). Frequency encoding keeps one dimension
per feature, so the explained-variance share is not dominated by a block of one-hot columns of one
high-cardinality feature, the matrix stays n x p (fast at 10M rows), and a shift of mass between
common and rare categories moves the encoded value, which is what drift means for a category.

Speed: the residual z - zhat is orthogonal to the kept components, so by Pythagoras
``error^2 = |z - m|^2 - |V_k (z - m)|^2``: scaler, projection and inverse projection fold into one
k x p product per block of rows (k = kept components, usually a few) instead of two p x p ones;
rows whose error is tiny next to their norm (where the subtraction would lose digits) are
recomputed from the explicit residual. Blocks are built feature-major (p x rows, contiguous
writes) and never exceed BLOCK_ROWS rows, so memory stays flat at 10M rows.

Reference rows are scored out of sample: each reference chunk's rows are reconstructed with a PCA
fitted on the reference without that chunk (leave-one-chunk-out, from the per-chunk Gram matrices,
same number of components). In-sample errors are biased low (PCA minimises exactly that error on
the rows it saw), which would make reference-derived thresholds too tight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.dataset import Column

BLOCK_ROWS = 1 << 15


def n_components_for(explained_variance_ratio: np.ndarray, variance: float) -> int:
    """Smallest k whose cumulative explained variance ratio is strictly above `variance` (sklearn's rule)."""
    ratio = np.asarray(explained_variance_ratio, dtype=float)
    if variance >= 1.0:
        return int(ratio.size)
    k = int(np.searchsorted(np.cumsum(ratio), variance, side="right")) + 1
    return max(1, min(k, ratio.size))


@dataclass(frozen=True)
class Encoding:
    """How each feature becomes one float column: imputation value or frequency lookup table."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    fill: np.ndarray  # continuous: the reference mean used for NaN (NaN for categoricals)
    tables: tuple[np.ndarray | None, ...]  # categorical: value for each code 0..K+1

    def block(self, columns: Mapping[str, Column], rows: slice | np.ndarray) -> np.ndarray:
        """The encoded, imputed (len(rows), p) float64 block of the given rows."""
        return self.block_t(columns, rows).T

    def block_t(self, columns: Mapping[str, Column], rows: slice | np.ndarray) -> np.ndarray:
        """The same block feature-major: a C-contiguous (p, len(rows)) array (contiguous writes)."""
        first = columns[self.names[0]].values[rows]
        out = np.empty((len(self.names), len(first)), dtype=np.float64)
        for j, name in enumerate(self.names):
            values = first if j == 0 else columns[name].values[rows]
            table = self.tables[j]
            col = out[j]
            if table is not None:
                np.take(table, values, out=col)
            else:
                col[:] = values
                nan = np.isnan(col)
                if nan.any():
                    col[nan] = self.fill[j]
        return out


def fit_encoding(columns: Mapping[str, Column]) -> Encoding:
    """Learn imputation values and frequency tables from the reference columns."""
    names: list[str] = []
    kinds: list[str] = []
    fill: list[float] = []
    tables: list[np.ndarray | None] = []
    for name, col in columns.items():
        names.append(name)
        kinds.append(col.kind)
        if col.is_categorical:
            k = len(col.categories)
            counts = np.bincount(col.values, minlength=k + 2)[:k].astype(np.float64)
            total = counts.sum()
            freq = counts / total if total > 0 else counts
            table = np.zeros(k + 2, dtype=np.float64)
            table[:k] = freq
            table[k] = 0.0  # unseen: rarer than every reference category
            table[k + 1] = freq.max() if k and total > 0 else 0.0  # missing: imputed with the mode
            tables.append(table)
            fill.append(np.nan)
        else:
            v = col.values
            ok = ~np.isnan(v)
            fill.append(float(v[ok].mean()) if ok.any() else 0.0)
            tables.append(None)
    return Encoding(tuple(names), tuple(kinds), np.asarray(fill, dtype=np.float64), tuple(tables))


def _blocks(start: int, end: int, size: int = BLOCK_ROWS):
    for s in range(start, end, size):
        yield slice(s, min(s + size, end))


class PCAReconstructor:
    """Impute, encode, standardise, PCA: per-row reconstruction errors (see the module docstring).

    Parameters
    ----------
    variance:
        Share of the standardised reference variance the kept components must explain (0, 1].
    """

    def __init__(self, variance: float = 0.65) -> None:
        self.variance = variance

    def fit(self, columns: Mapping[str, Column], chunk_bounds: Sequence[tuple[int, int]]) -> PCAReconstructor:
        """Learn encoding, scaler and components from the reference; score the reference out of sample."""
        if not columns:
            raise ValueError("PCA reconstruction needs at least one feature")
        enc = fit_encoding(columns)
        n = len(next(iter(columns.values())).values)
        p = len(enc.names)
        # pass 1: mean; pass 2: centred Gram per reference chunk (exact, no cancellation)
        total = np.zeros(p)
        for rows in _blocks(0, n):
            total += enc.block_t(columns, rows).sum(axis=1)
        mu = total / n
        bounds = [(int(s), int(e)) for s, e in chunk_bounds] or [(0, n)]
        grams = np.zeros((len(bounds), p, p))
        sums = np.zeros((len(bounds), p))
        for c, (s, e) in enumerate(bounds):
            for rows in _blocks(s, e):
                dt = enc.block_t(columns, rows)
                dt -= mu[:, None]
                grams[c] += dt @ dt.T
                sums[c] += dt.sum(axis=1)
        var = np.diag(grams.sum(axis=0)) / n
        sd = np.sqrt(np.maximum(var, 0.0))
        sd[sd <= 1e-12 * np.maximum(1.0, np.abs(mu))] = 1.0  # constant feature: StandardScaler's scale 1
        inv_sd = 1.0 / sd
        # Gram and sums of the standardised rows z = (x - mu) / sd, per reference chunk
        zgrams = grams * np.outer(inv_sd, inv_sd)
        zsums = sums * inv_sd
        sizes = np.array([e - s for s, e in bounds], dtype=np.float64)
        components, mean, ratio = _pca_from_moments(zgrams.sum(axis=0), zsums.sum(axis=0), float(sizes.sum()))
        k = n_components_for(ratio, self.variance)
        self.encoding_ = enc
        self.mean_ = mu
        self.scale_ = sd
        self.pca_mean_ = mean
        self.components_ = components[:k]
        self.explained_variance_ratio_ = ratio
        self.n_components_ = k
        self.n_features_ = p
        # leave-one-chunk-out scores of the reference rows
        errors = np.empty(n)
        errors[:] = np.nan
        for c, (s, e) in enumerate(bounds):
            if len(bounds) > 1 and sizes.sum() - sizes[c] > p:
                comp_c, mean_c, _ = _pca_from_moments(
                    zgrams.sum(axis=0) - zgrams[c], zsums.sum(axis=0) - zsums[c], float(sizes.sum() - sizes[c])
                )
                errors[s:e] = self._errors(columns, s, e, comp_c[:k], mean_c)
            else:  # a single reference chunk: nothing to leave it out of
                errors[s:e] = self._errors(columns, s, e, self.components_, mean)
        covered = ~np.isnan(errors)
        self.reference_errors_ = errors[covered]
        self.reference_error_std_ = float(errors[covered].std(ddof=1)) if covered.sum() > 1 else 0.0
        self.reference_error_mean_ = float(errors[covered].mean()) if covered.any() else float("nan")
        return self

    def _errors(
        self, columns: Mapping[str, Column], start: int, end: int, components: np.ndarray, pca_mean: np.ndarray
    ) -> np.ndarray:
        out = np.empty(end - start)
        # z - m = (x - mu - sd * m) / sd; error^2 = |z - m|^2 - |V (z - m)|^2 (residual orthogonal to V)
        shift = (self.mean_ + self.scale_ * pca_mean)[:, None]
        inv_sd = (1.0 / self.scale_)[:, None]
        for rows in _blocks(start, end):
            zt = self.encoding_.block_t(columns, rows)
            zt -= shift
            zt *= inv_sd
            total = np.einsum("ij,ij->j", zt, zt)
            proj = components @ zt
            err2 = total - np.einsum("ij,ij->j", proj, proj)
            fragile = err2 < 1e-6 * total  # cancellation: recompute these from the explicit residual
            if fragile.any():
                idx = np.flatnonzero(fragile)
                resid = zt[:, idx] - components.T @ proj[:, idx]
                err2[idx] = np.einsum("ij,ij->j", resid, resid)
            out[rows.start - start : rows.stop - start] = np.sqrt(np.maximum(err2, 0.0))
        return out

    def row_errors(self, columns: Mapping[str, Column], start: int = 0, end: int | None = None) -> np.ndarray:
        """Reconstruction error of rows [start, end) with the PCA fitted on the whole reference."""
        if end is None:
            end = len(columns[self.encoding_.names[0]].values)
        return self._errors(columns, start, end, self.components_, self.pca_mean_)

    def chunk_means(self, columns: Mapping[str, Column], bounds: Sequence[tuple[int, int]]) -> np.ndarray:
        """Mean reconstruction error per chunk (rows [start, end) each), NaN for empty chunks."""
        bounds = [(int(s), int(e)) for s, e in bounds]
        if not bounds:
            return np.empty(0)
        start, end = min(s for s, _ in bounds), max(e for _, e in bounds)
        errors = self.row_errors(columns, start, end)
        csum = np.concatenate([[0.0], np.cumsum(errors)])
        out = np.full(len(bounds), np.nan)
        for i, (s, e) in enumerate(bounds):
            if e > s:
                out[i] = (csum[e - start] - csum[s - start]) / (e - s)
        return out


def _pca_from_moments(gram: np.ndarray, sums: np.ndarray, n: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components (rows, by decreasing variance), mean and explained-variance ratio from Σz, Σzzᵀ."""
    mean = sums / n
    cov = (gram - n * np.outer(mean, mean)) / max(n - 1.0, 1.0)
    cov = (cov + cov.T) / 2.0
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1]
    eigval = np.maximum(eigval[order], 0.0)
    eigvec = eigvec[:, order]
    total = eigval.sum()
    ratio = eigval / total if total > 0 else np.full(eigval.size, 1.0 / eigval.size)
    return eigvec.T, mean, ratio
