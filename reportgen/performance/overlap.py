"""Trust of a label-free estimate per chunk: how much of the chunk lies where the reference has no rows.

CBPE's calibration and DLE's loss models are learned on the reference; where a chunk's rows lie
outside the reference's support they extrapolate, and the estimate can miss a real drop. A row is
"outside" when a continuous feature (or the model's output) lies beyond the reference's central
99.8% (quantiles 0.001 and 0.999, widened by a tenth of that range), when a categorical value was
never seen or held under 0.1% of the reference, or when its Mahalanobis distance to the reference
(continuous columns, robust-standardised) exceeds the reference's own 99.9% quantile, which
catches broken relations between features whose values each stay in range. A chunk's trust is
`low` when the share of such rows exceeds the reference's own share by more than LOW_EXCESS,
`medium` above MEDIUM_EXCESS (and three binomial standard errors), else `high`; the reason names
the share and the columns that contribute most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.chunking import Chunk
from reportgen.dataset import Dataset
from reportgen.performance import metrics as K

TAIL = 0.001  # quantiles that bound a continuous column's support
MARGIN = 0.1  # the support is widened by this share of its inner range on each side
RARE_LEVEL = 0.001  # a categorical level under this share of the reference is outside the support
DISTANCE_QUANTILE = 0.999  # Mahalanobis distance beyond the reference's quantile: outside the joint support
MEDIUM_EXCESS = 0.03  # share of rows outside the support, above the reference's, for trust: medium
LOW_EXCESS = 0.10  # ... and for trust: low
TOP_COLUMNS = 3
JOINT = "joint relation of the features"


@dataclass(frozen=True)
class ChunkTrust:
    """Trust of every estimate of one chunk and the reason (None when trust is high)."""

    level: str
    share_outside: float
    reason: str | None


def _columns(ds: Dataset) -> tuple[list[str], list[np.ndarray], list[str], list[np.ndarray], list[int]]:
    """(continuous names, values, categorical names, codes, level counts): features then model outputs."""
    cont_names, cont, cat_names, cats, levels = [], [], [], [], []
    for name, col in ds.features.items():
        if col.is_categorical:
            cat_names.append(name)
            cats.append(col.values)
            levels.append(col.n_levels)
        else:
            cont_names.append(name)
            cont.append(np.asarray(col.values, dtype=np.float64))
    if ds.y_proba is not None:
        for k, label in enumerate(ds.classes):
            cont_names.append(f"probability of {label}")
            cont.append(np.asarray(ds.y_proba[:, k], dtype=np.float64))
    elif np.asarray(ds.y_pred).dtype.kind == "f":
        cont_names.append("prediction")
        cont.append(np.asarray(ds.y_pred, dtype=np.float64))
    return cont_names, cont, cat_names, cats, levels


class Overlap:
    """The reference's support, learned once; per chunk the share of rows outside it."""

    def fit(self, reference: Dataset) -> Overlap:
        names, cont, cat_names, cats, levels = _columns(reference)
        self.names_ = names
        self.cat_names_ = cat_names
        self.low_, self.high_ = [], []
        for v in cont:
            finite = v[np.isfinite(v)]
            if finite.size == 0:
                self.low_.append(-np.inf)
                self.high_.append(np.inf)
                continue
            lo, hi = np.quantile(finite, [TAIL, 1.0 - TAIL])
            pad = MARGIN * (hi - lo)
            self.low_.append(lo - pad)
            self.high_.append(hi + pad)
        self.rare_ = []
        for codes, n_levels in zip(cats, levels):
            share = np.bincount(codes, minlength=n_levels) / max(len(codes), 1)
            rare = share < RARE_LEVEL
            rare[n_levels - 1] = False  # missing values are a data-quality matter, not a support one
            rare[n_levels - 2] = True  # unseen
            self.rare_.append(rare)
        self._fit_distance(cont)
        self.reference_share_ = float(self.outside(reference)[0].mean()) if reference.n_rows else 0.0
        return self

    def _fit_distance(self, cont: list[np.ndarray]) -> None:
        """Robust centre and scale, and the whitening of the reference's continuous columns."""
        self.whiten_ = None
        if len(cont) < 2:
            return
        x = np.column_stack(cont)
        self.center_ = np.nanmedian(x, axis=0)
        q75, q25 = np.nanpercentile(x, [75, 25], axis=0)
        scale = (q75 - q25) / 1.349
        sd = np.nanstd(x, axis=0)
        self.scale_ = np.where(scale > 0, scale, np.where(sd > 0, sd, 1.0))
        z = self._standardised(x)
        cov = np.cov(z, rowvar=False) + 1e-6 * np.eye(z.shape[1])
        vals, vecs = np.linalg.eigh(cov)
        self.whiten_ = vecs / np.sqrt(np.maximum(vals, 1e-9))
        self.mean_ = z.mean(axis=0)
        self.distance_limit_ = float(np.quantile(self._distance(z), DISTANCE_QUANTILE))

    def _standardised(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.center_) / self.scale_
        return np.where(np.isfinite(z), z, 0.0)

    def _distance(self, z: np.ndarray) -> np.ndarray:
        w = (z - self.mean_) @ self.whiten_
        return np.einsum("ij,ij->i", w, w)

    def outside(self, ds: Dataset) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(row outside the support, {column: row outside on that column}) of one period."""
        names, cont, cat_names, cats, _ = _columns(ds)
        by_column: dict[str, np.ndarray] = {}
        for name, v, lo, hi in zip(names, cont, self.low_, self.high_):
            by_column[name] = (v < lo) | (v > hi)
        for name, codes, rare in zip(cat_names, cats, self.rare_):
            by_column[name] = rare[np.clip(codes, 0, len(rare) - 1)]
        if self.whiten_ is not None and cont:
            by_column[JOINT] = self._distance(self._standardised(np.column_stack(cont))) > self.distance_limit_
        any_outside = np.zeros(ds.n_rows, dtype=bool)
        for flags in by_column.values():
            any_outside |= flags
        return any_outside, by_column

    def assess(self, ds: Dataset, chunks: Sequence[Chunk]) -> list[ChunkTrust]:
        """Trust of each chunk of one period."""
        starts, ends = K.chunk_bounds(chunks)
        rows = np.maximum((ends - starts).astype(float), 1.0)
        outside, by_column = self.outside(ds)
        share = K.chunk_sum(outside, starts, ends) / rows
        per_column = {name: K.chunk_sum(flags, starts, ends) / rows for name, flags in by_column.items()}
        base = self.reference_share_
        noise = np.sqrt(max(base * (1.0 - base), 1e-4) / rows)
        out = []
        for i, s in enumerate(share):
            excess = s - base
            if excess > LOW_EXCESS:
                level = "low"
            elif excess > MEDIUM_EXCESS and excess > 3 * noise[i]:
                level = "medium"
            else:
                out.append(ChunkTrust("high", float(s), None))
                continue
            top = sorted(per_column, key=lambda n: -per_column[n][i])[:TOP_COLUMNS]
            named = ", ".join(f"{n} {per_column[n][i]:.0%}" for n in top if per_column[n][i] > 0)
            reason = (
                f"trust {level}: {s:.0%} of rows lie outside the reference's support "
                f"(reference {base:.1%}; {named}); the estimate extrapolates there"
            )
            out.append(ChunkTrust(level, float(s), reason))
        return out
