"""The reference's support: how much of each analysis chunk lies where the reference has (almost) no data.

A label-free estimate (CBPE, DLE) and the model itself are only checked where the reference has
rows. For a continuous feature the support is the reference range narrowed to its 0.1 and 99.9
percentiles, widened by 5% of that inner range on each side: the reference itself leaves at most
0.2% of its rows outside, so a chunk with several percent outside sits in territory the reference
never covered (a scaled column, a new unit), even when the values stay within the raw min and max
that one outlier set. For a categorical feature the support is the reference's levels holding at
least 0.1% of its rows: unseen values and near-absent levels fall outside. Rows can also leave the
joint support while every value stays in range (a column scaled so that it no longer matches the
columns it is computed from): their error of reconstruction from the reference's principal
components (standardised continuous features, components up to 65% of the variance, as the PCA
drift detector) leaves, for some feature, that feature's reference residual band (the same
percentile rule). Per chunk, a feature whose mean squared residual is at least twice the
reference's (and 1.5x the largest any reference chunk shows) has lost its relation with the others;
the residual gathers on the most tightly determined column (a total), so the drifting columns
correlated with it (|r| >= 0.3 in reference) are the candidates for what changed. Computed once from the prepared arrays: per
feature one boolean pass over the rows and a cumulative sum cut at the chunk boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.dataset import Column, MonitoringData

TAIL = 0.001  # the 0.1 / 99.9 percentiles bound the reference's dense region
MARGIN = 0.05  # widening on each side, as a share of the inner 0.1-99.9 range
RARE_SHARE = 0.001  # a categorical level below this share of the reference is near-empty
MIN_SHARE = 0.05  # a chunk leaves the support from this share outside (25x the reference's 0.2%)
MIN_ROWS = 5  # and with at least this many rows outside
JOINT = "(joint)"  # key of the joint support among the features
VARIANCE_KEPT = 0.65
# a relation broke when a feature's mean squared residual doubles (and beats 1.5x any reference chunk)
BROKEN_RATIO = 2.0
RELATED = 0.3  # features this correlated in reference share a relation a broken column can break


@dataclass(frozen=True)
class Support:
    """Where one feature's reference lies: [low, high] for continuous, allowed level codes for categorical."""

    feature: str
    low: float = float("-inf")
    high: float = float("inf")
    levels: np.ndarray | None = None  # bool per level code: inside the support

    def outside(self, column: Column) -> tuple[np.ndarray, np.ndarray]:
        """(outside, observed) row masks; missing values are neither (data quality reports them)."""
        if self.levels is not None:
            codes = np.asarray(column.values, dtype=np.int64)
            observed = codes != column.missing_code
            inside = self.levels[np.clip(codes, 0, len(self.levels) - 1)]
            return observed & ~inside, observed
        return self.outside_values(np.asarray(column.values, dtype=float))

    def outside_values(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(outside, observed) masks of continuous values against [low, high]."""
        observed = np.isfinite(values)
        with np.errstate(invalid="ignore"):
            return observed & ((values < self.low) | (values > self.high)), observed


def band_of(name: str, values: np.ndarray) -> Support:
    """Continuous support: the 0.1-99.9 percentile range widened by 5% a side, within min and max."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return Support(name)
    q_lo, q_hi = np.quantile(v, [TAIL, 1 - TAIL])
    pad = MARGIN * (q_hi - q_lo)
    return Support(name, max(float(v.min()), q_lo - pad), min(float(v.max()), q_hi + pad))


def fit_support(column: Column) -> Support:
    """The reference support of one feature (see the module docstring)."""
    if column.is_categorical:
        codes = np.asarray(column.values, dtype=np.int64)
        counts = np.bincount(codes[codes != column.missing_code], minlength=column.n_levels).astype(float)
        total = counts.sum()
        levels = counts >= RARE_SHARE * total if total else np.zeros(column.n_levels, dtype=bool)
        levels[column.unseen_code] = False
        levels[column.missing_code] = True
        return Support(column.name, levels=levels)
    return band_of(column.name, np.asarray(column.values, dtype=float))


def chunk_shares(
    outside: np.ndarray, observed: np.ndarray, bounds: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """(share outside, rows outside) per [start, end) row range, from two cumulative sums."""
    c_out = np.concatenate([[0], np.cumsum(outside, dtype=np.int64)])
    c_obs = np.concatenate([[0], np.cumsum(observed, dtype=np.int64)])
    start = np.array([b[0] for b in bounds], dtype=np.int64)
    end = np.array([b[1] for b in bounds], dtype=np.int64)
    n_out = c_out[end] - c_out[start]
    n_obs = c_obs[end] - c_obs[start]
    return n_out / np.maximum(n_obs, 1), n_out


def chunk_means(values: np.ndarray, bounds: list[tuple[int, int]]) -> np.ndarray:
    """(chunks, columns) mean of the rows of each [start, end) range, from one cumulative sum."""
    if not bounds:
        return np.zeros((0, values.shape[1]))
    csum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    start = np.array([b[0] for b in bounds])
    end = np.array([b[1] for b in bounds])
    return (csum[end] - csum[start]) / np.maximum(end - start, 1)[:, None]


@dataclass(frozen=True)
class SupportShares:
    """Share of rows outside the reference support per feature and analysis chunk (index order)."""

    chunk_indices: tuple[int, ...]
    shares: dict[str, np.ndarray]  # feature -> share per analysis chunk
    counts: dict[str, np.ndarray]  # feature -> rows outside per analysis chunk
    limits: dict[str, float]  # feature -> share from which a chunk counts as outside
    broken: dict[int, list[str]]  # analysis chunk index -> features whose relation with the others broke
    broken_ratio: dict[int, dict[str, float]]  # ... -> their mean squared residual over the reference's
    related: dict[str, tuple[str, ...]]  # feature -> continuous features correlated with it in reference (|r| >= 0.3)

    def outside(self, feature: str) -> np.ndarray:
        """Bool per analysis chunk: this feature's rows left the reference support there."""
        share = self.shares.get(feature)
        if share is None:
            return np.zeros(len(self.chunk_indices), dtype=bool)
        return (share >= self.limits[feature]) & (self.counts[feature] >= MIN_ROWS)

    def share(self, feature: str, chunk_index: int) -> float:
        share = self.shares.get(feature)
        if share is None or chunk_index not in self.chunk_indices:
            return 0.0
        return float(share[self.chunk_indices.index(chunk_index)])


def support_shares(data: MonitoringData) -> SupportShares:
    """Per feature and analysis chunk, the share of rows outside the reference support.

    A chunk counts as outside from MIN_SHARE on, or from twice the largest share any reference
    chunk shows, whichever is higher (a feature whose reference chunks already spill is not flagged).
    """
    ana_bounds = [(c.start_row, c.end_row) for c in data.analysis_chunks]
    ref_bounds = [(c.start_row, c.end_row) for c in data.reference_chunks]
    shares: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    limits: dict[str, float] = {}
    for name, ref_col in data.reference.features.items():
        ana_col = data.analysis.features.get(name)
        if ana_col is None:
            continue
        support = fit_support(ref_col)
        out, obs = support.outside(ana_col)
        shares[name], counts[name] = chunk_shares(out, obs, ana_bounds)
        ref_share = chunk_shares(*support.outside(ref_col), ref_bounds)[0] if ref_bounds else np.zeros(0)
        limits[name] = max(MIN_SHARE, 2.0 * float(ref_share.max(initial=0.0)))
    broken: dict[int, list[str]] = {}
    ratios: dict[int, dict[str, float]] = {}
    related: dict[str, tuple[str, ...]] = {}
    joint = joint_residuals(data)
    if joint is not None:
        names, ref_res, ana_res, corr = joint
        related = {
            n: tuple(m for j, m in enumerate(names) if j != i and abs(corr[i, j]) >= RELATED)
            for i, n in enumerate(names)
        }
        any_out = np.zeros(len(ana_res), dtype=bool)
        ref_any = np.zeros(len(ref_res), dtype=bool)
        for j, name in enumerate(names):
            band = band_of(name, ref_res[:, j])
            any_out |= band.outside_values(ana_res[:, j])[0]
            ref_any |= band.outside_values(ref_res[:, j])[0]
        all_rows = np.ones_like(any_out)
        shares[JOINT], counts[JOINT] = chunk_shares(any_out, all_rows, ana_bounds)
        ref_share = chunk_shares(ref_any, np.ones_like(ref_any), ref_bounds)[0] if ref_bounds else np.zeros(0)
        limits[JOINT] = max(MIN_SHARE, 2.0 * float(ref_share.max(initial=0.0)))
        # chunk-level: mean squared residual per feature against the reference's, calibrated on its chunks
        base = np.maximum((ref_res**2).mean(axis=0), 1e-12)
        ref_ratio = chunk_means(ref_res**2, ref_bounds) / base
        ana_ratio = chunk_means(ana_res**2, ana_bounds) / base
        limit = np.maximum(BROKEN_RATIO, 1.5 * ref_ratio.max(axis=0, initial=0.0))
        for k, c in enumerate(data.analysis_chunks):
            hit = [j for j in np.argsort(-ana_ratio[k], kind="stable") if ana_ratio[k, j] >= limit[j]]
            if hit:
                broken[c.index] = [names[j] for j in hit]
                ratios[c.index] = {names[j]: float(ana_ratio[k, j]) for j in hit}
    return SupportShares(tuple(c.index for c in data.analysis_chunks), shares, counts, limits, broken, ratios, related)


def joint_residuals(data: MonitoringData) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
    """(features, reference residuals, analysis residuals, reference correlations): rows minus their reconstruction.

    Standardised on the reference (missing values at the mean), projected on the principal
    components that keep 65% of the reference variance; None with fewer than two continuous features.
    """
    names = [n for n, c in data.reference.features.items() if not c.is_categorical and n in data.analysis.features]
    if len(names) < 2:
        return None
    ref = np.column_stack([np.asarray(data.reference.features[n].values, dtype=float) for n in names])
    ana = np.column_stack([np.asarray(data.analysis.features[n].values, dtype=float) for n in names])
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(ref, axis=0)
        std = np.nanstd(ref, axis=0)
    keep = np.isfinite(mean) & (std > 0)
    if keep.sum() < 2:
        return None
    names = [n for n, k in zip(names, keep) if k]
    mean, std = mean[keep], std[keep]

    def standard(x: np.ndarray) -> np.ndarray:
        z = (x[:, keep] - mean) / std
        return np.where(np.isfinite(z), z, 0.0)

    z_ref, z_ana = standard(ref), standard(ana)
    _, sing, vt = np.linalg.svd(z_ref, full_matrices=False)
    var = sing**2 / max(float((sing**2).sum()), 1e-12)
    basis = vt[: int(np.searchsorted(np.cumsum(var), VARIANCE_KEPT) + 1)]
    corr = (z_ref.T @ z_ref) / max(len(z_ref), 1)
    return names, z_ref - (z_ref @ basis.T) @ basis, z_ana - (z_ana @ basis.T) @ basis, corr
