"""The model's residuals binned along every feature: mergeable per-chunk sums for concept-drift attribution.

For each feature the reference fixes the bins once (continuous: reference deciles plus a missing
bin; categorical: the most frequent reference levels, one bin for the rest and unseen levels, one
for missing). A chunk is then summarised per feature, bin and output column by the row count, the
sum of residuals (target minus prediction; one-hot target minus probability for classifiers) and
their sum of squares. Sums of chunks merge by addition, so an in-memory, streamed or distributed
run gives the same figures without re-reading rows. The reference also keeps a seeded sample of
its bin codes, from which the attribution reads how the features' bins co-occur.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from reportgen.dataset import Column, Dataset

N_BINS = 10
MAX_LEVELS = 30  # categorical levels with a bin of their own; rarer levels share one
CODE_CELLS = 2_000_000  # reference codes kept for co-occurrence tables (rows x features; int16: 4 MB at most)
MIN_CODE_ROWS = 2_000
SEED = 0


@dataclass(frozen=True)
class FeatureBins:
    """How one feature's values map to bins fixed on the reference."""

    name: str
    n_bins: int
    edges: np.ndarray = field(default_factory=lambda: np.empty(0))  # continuous: inner quantile edges
    level_bins: np.ndarray | None = None  # categorical: bin of each category code

    def codes(self, column: Column) -> np.ndarray:
        """The bin of every value of `column` (same kind as the reference's)."""
        if self.level_bins is not None:
            values = np.asarray(column.values, dtype=np.int64)
            return self.level_bins[np.clip(values, 0, len(self.level_bins) - 1)]
        values = np.asarray(column.values, dtype=float)
        out = np.searchsorted(self.edges, values, side="right").astype(np.int64)
        out[~np.isfinite(values)] = self.n_bins - 1
        return out


def plan_bins(reference: Dataset) -> tuple[FeatureBins, ...]:
    """Bins of every feature from the reference period's values."""
    plans = []
    for name, column in reference.features.items():
        if column.is_categorical:
            plans.append(_categorical_bins(name, column))
            continue
        ref = np.asarray(column.values, dtype=float)
        finite = ref[np.isfinite(ref)]
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, N_BINS + 1)[1:-1])) if finite.size else np.empty(0)
        plans.append(FeatureBins(name, len(edges) + 2, edges=edges))  # the last bin holds missing values
    return tuple(plans)


def _categorical_bins(name: str, column: Column) -> FeatureBins:
    """Frequent levels keep their own bin; the rest and unseen levels share one; missing has the last."""
    counts = np.bincount(np.asarray(column.values, dtype=np.int64), minlength=column.n_levels)[: len(column.categories)]
    keep = np.argsort(-counts, kind="stable")[:MAX_LEVELS]
    keep = np.sort(keep[counts[keep] > 0])
    rest = len(keep)
    level_bins = np.full(column.n_levels, rest, dtype=np.int64)
    level_bins[keep] = np.arange(len(keep))
    level_bins[column.missing_code] = rest + 1
    return FeatureBins(name, rest + 2, level_bins=level_bins)


def residuals(ds: Dataset, problem_type: str) -> np.ndarray | None:
    """(n, k) residuals target minus prediction (one column per class, binary: the positive one); NaN without target."""
    if ds.y_true is None:
        return None
    if problem_type == "regression":
        return (np.asarray(ds.y_true, dtype=float) - np.asarray(ds.y_pred, dtype=float))[:, None]
    if ds.y_proba is None:
        return None
    y = np.asarray(ds.y_true)
    proba = np.asarray(ds.y_proba, dtype=float)
    res = (y[:, None] == np.arange(proba.shape[1])[None, :]).astype(float) - proba
    res[y < 0] = np.nan
    return res[:, 1:2] if problem_type == "binary_classification" else res


@dataclass(frozen=True)
class BinMoments:
    """One feature: rows (bins,), residual sums and sums of squares (outputs, bins). Adds up across chunks."""

    count: np.ndarray
    total: np.ndarray
    squares: np.ndarray

    def __add__(self, other: BinMoments) -> BinMoments:
        return BinMoments(self.count + other.count, self.total + other.total, self.squares + other.squares)


ChunkSums = dict[str, BinMoments]


def chunk_sums(plan: Iterable[FeatureBins], ds: Dataset, problem_type: str) -> ChunkSums:
    """Per feature, the residual moments per bin of the rows of `ds` that have a target."""
    res = residuals(ds, problem_type)
    plan = tuple(plan)
    outputs = 1 if res is None else res.shape[1]
    if res is None:
        keep = np.zeros(ds.n_rows, dtype=bool)
        res = np.zeros((ds.n_rows, 1))
    else:
        keep = np.isfinite(res).all(axis=1)
    res = res[keep]
    out = {}
    for bins in plan:
        codes = bins.codes(ds.features[bins.name])[keep]
        count = np.bincount(codes, minlength=bins.n_bins).astype(float)
        total = np.stack([np.bincount(codes, weights=res[:, k], minlength=bins.n_bins) for k in range(outputs)])
        squares = np.stack([np.bincount(codes, weights=res[:, k] ** 2, minlength=bins.n_bins) for k in range(outputs)])
        out[bins.name] = BinMoments(count, total, squares)
    return out


def merge(sums: Iterable[ChunkSums]) -> ChunkSums:
    """The sums of several chunks, feature by feature (addition in the given order)."""
    out: ChunkSums = {}
    for part in sums:
        for name, moments in part.items():
            out[name] = out[name] + moments if name in out else moments
    return out


@dataclass
class ResidualProfile:
    """What the attribution reads: the bins, reference and analysis chunk sums, reference bin codes."""

    plan: tuple[FeatureBins, ...]
    reference_chunks: list[ChunkSums]
    reference_chunk_rows: list[int]
    reference_codes: np.ndarray  # (rows, features) int16 bin codes of a seeded reference sample
    analysis_chunks: dict[int, ChunkSums] = field(default_factory=dict)  # by chunk index
    _cooccurrence: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.plan]

    def analysis(self, chunk_indices: Iterable[int]) -> ChunkSums:
        """Merged sums of the given analysis chunks (those without sums are skipped)."""
        return merge(self.analysis_chunks[i] for i in sorted(set(chunk_indices)) if i in self.analysis_chunks)

    def conditional(self, k: int, j: int) -> np.ndarray:
        """(bins of k, bins of j): share of reference rows in each bin of feature j, given the bin of feature k."""
        key = (k, j)
        if key not in self._cooccurrence:
            nk, nj = self.plan[k].n_bins, self.plan[j].n_bins
            cells = self.reference_codes[:, k].astype(np.int64) * nj + self.reference_codes[:, j]
            table = np.bincount(cells, minlength=nk * nj).reshape(nk, nj).astype(float)
            self._cooccurrence[key] = table / np.maximum(table.sum(axis=1, keepdims=True), 1.0)
        return self._cooccurrence[key]


def reference_codes(plan: tuple[FeatureBins, ...], reference: Dataset) -> np.ndarray:
    """Bin codes of the reference (a seeded sample of rows when rows x features is large)."""
    rows = max(MIN_CODE_ROWS, CODE_CELLS // max(len(plan), 1))
    pick = (
        np.sort(np.random.default_rng(SEED).choice(reference.n_rows, rows, replace=False))
        if reference.n_rows > rows
        else slice(None)
    )
    if not plan:
        return np.zeros((reference.n_rows if isinstance(pick, slice) else rows, 0), dtype=np.int16)
    return np.column_stack([b.codes(reference.features[b.name])[pick] for b in plan]).astype(np.int16)  # < 34 bins
