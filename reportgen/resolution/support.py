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
correlated with it (|r| >= 0.3 in reference) are the candidates for what changed. Fitted once on
the reference (SupportModel); each analysis chunk then gives mergeable counts (ChunkSupport: rows
outside per feature, summed squared residuals) wherever its rows are, so a streamed run gives the
same shares as an in-memory one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from reportgen.chunking import Chunk
from reportgen.dataset import Column, Dataset, MonitoringData

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


@dataclass(frozen=True)
class JointModel:
    """The reference's joint support: standardisation, principal components and residual bands."""

    names: tuple[str, ...]  # continuous features with a spread, in reference order
    mean: np.ndarray
    std: np.ndarray
    basis: np.ndarray  # components up to VARIANCE_KEPT of the reference variance, as rows
    bands: tuple[Support, ...]  # each feature's reference residual band
    corr: np.ndarray  # reference correlations of the standardised features
    base: np.ndarray  # reference mean squared residual per feature
    ratio_limit: np.ndarray  # a chunk's mean squared residual over `base` from which a relation broke (set by the fit)

    def residuals(self, features: Mapping[str, Column]) -> np.ndarray:
        """(rows, features) residual of the rows from their reconstruction on the reference components."""
        x = np.column_stack([np.asarray(features[n].values, dtype=float) for n in self.names])
        with np.errstate(invalid="ignore"):
            z = (x - self.mean) / self.std
        z = np.where(np.isfinite(z), z, 0.0)
        return z - (z @ self.basis.T) @ self.basis


@dataclass(frozen=True)
class SupportModel:
    """What the reference fixes: each feature's support and limit, and the joint support (None below two features)."""

    supports: dict[str, Support]
    limits: dict[str, float]
    joint: JointModel | None


@dataclass(frozen=True)
class ChunkSupport:
    """One analysis chunk's counts against the SupportModel (mergeable, computed wherever the rows are)."""

    outside: dict[str, int]  # feature or JOINT -> rows outside
    observed: dict[str, int]  # feature or JOINT -> rows with a value
    squared: np.ndarray | None  # joint features' summed squared residuals


def fit_support_model(reference: Dataset, reference_chunks: Sequence[Chunk]) -> SupportModel:
    """Supports and limits: a chunk counts as outside from MIN_SHARE on, or from twice the largest share
    any reference chunk shows, whichever is higher (a feature whose reference chunks already spill is not flagged)."""
    ref_bounds = [(c.start_row, c.end_row) for c in reference_chunks]
    supports: dict[str, Support] = {}
    limits: dict[str, float] = {}
    for name, ref_col in reference.features.items():
        supports[name] = fit_support(ref_col)
        ref_share = chunk_shares(*supports[name].outside(ref_col), ref_bounds)[0] if ref_bounds else np.zeros(0)
        limits[name] = max(MIN_SHARE, 2.0 * float(ref_share.max(initial=0.0)))
    joint = _fit_joint(reference)
    if joint is not None:
        ref_res = joint.residuals(reference.features)
        ref_any = np.zeros(len(ref_res), dtype=bool)
        for j, band in enumerate(joint.bands):
            ref_any |= band.outside_values(ref_res[:, j])[0]
        ref_share = chunk_shares(ref_any, np.ones_like(ref_any), ref_bounds)[0] if ref_bounds else np.zeros(0)
        limits[JOINT] = max(MIN_SHARE, 2.0 * float(ref_share.max(initial=0.0)))
        # a relation broke from BROKEN_RATIO, or 1.5x the largest ratio a reference chunk shows
        ref_ratio = chunk_means(ref_res**2, ref_bounds) / joint.base
        joint = replace(joint, ratio_limit=np.maximum(BROKEN_RATIO, 1.5 * ref_ratio.max(axis=0, initial=0.0)))
    return SupportModel(supports, limits, joint)


def _fit_joint(reference: Dataset) -> JointModel | None:
    """Standardised on the reference (missing values at the mean), projected on the principal components
    that keep 65% of the reference variance; None with fewer than two continuous features."""
    names = [n for n, c in reference.features.items() if not c.is_categorical]
    if len(names) < 2:
        return None
    ref = np.column_stack([np.asarray(reference.features[n].values, dtype=float) for n in names])
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(ref, axis=0)
        std = np.nanstd(ref, axis=0)
    keep = np.isfinite(mean) & (std > 0)
    if keep.sum() < 2:
        return None
    z_ref = (ref[:, keep] - mean[keep]) / std[keep]
    z_ref = np.where(np.isfinite(z_ref), z_ref, 0.0)
    _, sing, vt = np.linalg.svd(z_ref, full_matrices=False)
    var = sing**2 / max(float((sing**2).sum()), 1e-12)
    basis = vt[: int(np.searchsorted(np.cumsum(var), VARIANCE_KEPT) + 1)]
    corr = (z_ref.T @ z_ref) / max(len(z_ref), 1)
    kept = tuple(n for n, k in zip(names, keep) if k)
    ref_res = z_ref - (z_ref @ basis.T) @ basis
    bands = tuple(band_of(n, ref_res[:, j]) for j, n in enumerate(kept))
    base = np.maximum((ref_res**2).mean(axis=0), 1e-12)
    return JointModel(kept, mean[keep], std[keep], basis, bands, corr, base, np.zeros(0))


def chunk_support(model: SupportModel, rows: Dataset) -> ChunkSupport:
    """Rows outside each feature's support and the joint support in one analysis chunk."""
    outside: dict[str, int] = {}
    observed: dict[str, int] = {}
    for name, support in model.supports.items():
        out, obs = support.outside(rows.features[name])
        outside[name], observed[name] = int(out.sum()), int(obs.sum())
    squared = None
    if model.joint is not None:
        res = model.joint.residuals(rows.features)
        any_out = np.zeros(len(res), dtype=bool)
        for j, band in enumerate(model.joint.bands):
            any_out |= band.outside_values(res[:, j])[0]
        outside[JOINT], observed[JOINT] = int(any_out.sum()), rows.n_rows
        squared = (res**2).sum(axis=0)
    return ChunkSupport(outside, observed, squared)


def support_shares(
    data: MonitoringData, model: SupportModel | None = None, counts: Sequence[ChunkSupport] | None = None
) -> SupportShares:
    """Per feature and analysis chunk, the share of rows outside the reference support.

    `model` and `counts` (one per analysis chunk) come from the run's one pass over the analysis
    chunks (MonitoringData.facts); without them they are computed here from the in-memory rows.
    """
    if model is None or counts is None:
        facts = getattr(data, "facts", None)
        if facts is not None:
            model, counts = facts.support_model, facts.support
        else:
            from reportgen.engine.views import chunk_view

            model = fit_support_model(data.reference, data.reference_chunks)
            counts = [chunk_support(model, chunk_view(data.analysis, c)) for c in data.analysis_chunks]
    chunks = data.analysis_chunks
    shares: dict[str, np.ndarray] = {}
    n_out: dict[str, np.ndarray] = {}
    for name in model.limits:
        out = np.array([c.outside[name] for c in counts], dtype=np.int64)
        obs = np.array([c.observed[name] for c in counts], dtype=np.int64)
        shares[name], n_out[name] = out / np.maximum(obs, 1), out
    broken: dict[int, list[str]] = {}
    ratios: dict[int, dict[str, float]] = {}
    related: dict[str, tuple[str, ...]] = {}
    joint = model.joint
    if joint is not None:
        names = joint.names
        related = {
            n: tuple(m for j, m in enumerate(names) if j != i and abs(joint.corr[i, j]) >= RELATED)
            for i, n in enumerate(names)
        }
        # chunk-level: mean squared residual per feature against the reference's, calibrated on its chunks
        for c, k in zip(chunks, counts):
            assert k.squared is not None
            ratio = k.squared / max(c.rows, 1) / joint.base
            hit = [j for j in np.argsort(-ratio, kind="stable") if ratio[j] >= joint.ratio_limit[j]]
            if hit:
                broken[c.index] = [names[j] for j in hit]
                ratios[c.index] = {names[j]: float(ratio[j]) for j in hit}
    return SupportShares(tuple(c.index for c in chunks), shares, n_out, model.limits, broken, ratios, related)
