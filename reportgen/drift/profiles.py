"""Reference profiles of one column: sorted values, tie runs, prefix sums and decile bins for a
continuous column, category counts for a categorical one; and ChunkProfile, the chunks of a column
prepared for scoring. The univariate drift methods (reportgen.drift.methods) score these.

Exactness: Kolmogorov-Smirnov and Wasserstein are computed exactly from each sorted chunk against the
pre-sorted reference (no binning); leaving a chunk S out of the reference R is exact and free because
F_{R\\S} = (n F_R - m F_S) / (n - m), hence |F_S - F_{R\\S}| = n / (n - m) |F_S - F_R| pointwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import numpy as np

from reportgen.dataset import Column

DECILE_BINS = 10  # statistic bins: reference deciles, the first and last open-ended
PLOT_BINS = 20  # artifact histogram bins (equal width over the reference range)
PSI_FLOOR = 1e-4  # proportions are floored here before the PSI logarithm (empty bins)
DISCRETE_MAX = 1024  # reference columns with at most this many distinct values are scored from counts
DISCRETE_BLOCK = 1 << 20  # values coded per pass of the discrete path


# --- profiles ---------------------------------------------------------------------------------


@dataclass(eq=False)
class ContinuousProfile:
    """What every continuous method needs from the reference column, computed once."""

    sorted: np.ndarray  # non-missing reference values, ascending
    run_start: np.ndarray  # per sorted position: number of reference values < value (tie-run start)
    run_end: np.ndarray  # per sorted position: number of reference values <= value (tie-run end)
    prefix: np.ndarray  # prefix[i] = sum(sorted[:i] - center), length n + 1
    center: float
    edges: np.ndarray  # statistic bin edges; bin b holds edges[b-1] <= x < edges[b]
    ref_counts: np.ndarray  # reference counts in the statistic bins (len(edges) + 1)
    mean: float
    std: float
    plot_edges: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))  # report histogram
    kind: ClassVar[str] = "continuous"
    _sample_cache: dict = field(default_factory=dict, repr=False)
    _templates: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return int(self.sorted.size)

    def __reduce__(self) -> tuple:
        """Pickled as its sorted values alone: tie runs, prefix sums, bins and caches are rebuilt from
        them on loading (what a fitted step ships to Spark workers: ~1/10 of the full profile)."""
        return (profile_of_sorted, (self.sorted,))

    @cached_property
    def _run_firsts(self) -> np.ndarray:
        """Sorted positions where a run of equal values starts (one per distinct value)."""
        return np.flatnonzero(self.run_start == np.arange(self.n))

    @cached_property
    def distinct(self) -> np.ndarray | None:
        """The reference's distinct values when there are at most DISCRETE_MAX of them, else None.

        Such columns (counts, ages, flags, ratings) are scored from per-chunk counts of each value
        (`_discrete_chunks`) instead of sorting every chunk: exact, and about 5x cheaper.
        """
        if self.n == 0 or self._run_firsts.size > DISCRETE_MAX:
            return None
        return self.sorted[self._run_firsts]

    @cached_property
    def distinct_cum(self) -> np.ndarray:
        """Reference counts of values <= each distinct value (requires `distinct`)."""
        return self.run_end[self._run_firsts]

    def templates(self, m: int) -> dict[str, np.ndarray]:
        """Arrays over positions j = 1..m of a size-m chunk that depend only on (j, m), not the data.

        f = j/m, f_left = (j-1)/m, f_mid = (j-1/2)/m, x* = r_k with k = floor(j n / m) (where F_ref
        crosses j/m) and G(x*) = integral of F_ref up to x*.
        """
        got = self._templates.get(m)
        if got is None:
            j = np.arange(1, m + 1, dtype=np.int64)
            k = np.minimum((j * self.n) // m, self.n - 1)
            xk = self.sorted[k]
            rs = self.run_start[k]
            f = j / m
            got = self._templates[m] = {
                "f": f,
                "f_left": (j - 1) / m,
                "f_mid": (j - 0.5) / m,
                "xk": xk,
                "g_k": (rs * (xk - self.center) - self.prefix[rs]) / self.n,
            }
        return got

    def block_templates(self, sizes: np.ndarray) -> dict[str, np.ndarray]:
        """`templates` laid out for consecutive chunks of the given sizes (cached per layout)."""
        key = sizes.astype(np.int64).tobytes()
        got = self._templates.get(key)
        if got is None:
            parts = [self.templates(int(m)) for m in sizes]
            got = {name: np.concatenate([t[name] for t in parts]) for name in parts[0]}
            if len(self._templates) < 64:
                self._templates[key] = got
        return got


@dataclass(eq=False)
class CategoricalProfile:
    """Reference counts of the K categories and of the 'unseen' bucket (always 0 in reference)."""

    ref_counts: np.ndarray  # length K + 1
    categories: tuple
    kind: ClassVar[str] = "categorical"
    _sample_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return int(self.ref_counts.sum())


Profile = ContinuousProfile | CategoricalProfile


def tie_runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(run_start, run_end) per position of a sorted array: counts of values < and <= each value."""
    n = sorted_values.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    if new.all():  # no ties (the usual continuous column): skip the run bookkeeping
        return np.arange(n, dtype=np.int64), np.arange(1, n + 1, dtype=np.int64)
    starts = np.flatnonzero(new)
    run_id = np.cumsum(new) - 1
    ends = np.append(starts[1:], n)
    return starts[run_id].astype(np.int64), ends[run_id].astype(np.int64)


def continuous_profile(values: np.ndarray) -> ContinuousProfile:
    """Sort the reference once and derive tie runs, prefix sums and decile bin edges."""
    values = np.asarray(values, dtype=np.float64)
    return profile_of_sorted(np.sort(values[~np.isnan(values)]))


def profile_of_sorted(r: np.ndarray) -> ContinuousProfile:
    """The continuous profile of already sorted, non-missing reference values."""
    n = r.size
    run_start, run_end = tie_runs(r)
    center = float(r[n // 2]) if n else 0.0
    prefix = np.zeros(n + 1)
    np.cumsum(r - center, out=prefix[1:])
    if n:
        if r[0] == r[-1]:  # constant reference: below / equal / above
            edges = np.array([r[0], np.nextafter(r[0], np.inf)])
        else:  # open-ended first and last decile: values beyond the reference range land there
            edges = np.unique(r[np.minimum((np.arange(1, DECILE_BINS) * n) // DECILE_BINS, n - 1)])
        cum = np.searchsorted(r, edges, side="left")
        ref_counts = np.diff(np.concatenate([[0], cum, [n]])).astype(np.int64)
        mean, std = float(r.mean()), float(r.std())
    else:
        edges = np.zeros(0)
        ref_counts = np.zeros(1, np.int64)
        mean = std = float("nan")
    if n == 0:
        plot_edges = np.array([0.0, 1.0])
    elif r[0] == r[-1]:
        plot_edges = np.array([r[0] - 0.5, r[0] + 0.5])
    else:
        plot_edges = np.linspace(r[0], r[-1], PLOT_BINS + 1)
    return ContinuousProfile(r, run_start, run_end, prefix, center, edges, ref_counts, mean, std, plot_edges)


def categorical_profile(codes: np.ndarray, categories: tuple) -> CategoricalProfile:
    """Counts of reference categories (codes 0..K-1) and unseen (K); missing (K+1) left out."""
    k = len(categories)
    counts = np.bincount(np.asarray(codes, dtype=np.int64), minlength=k + 2)[: k + 1].astype(np.int64)
    return CategoricalProfile(counts, tuple(categories))


def make_profile(column: Column) -> Profile:
    """The reference profile of one monitored column."""
    if column.is_categorical:
        return categorical_profile(column.values, column.categories)
    return continuous_profile(column.values)


@dataclass(eq=False)
class ChunkProfile:
    """All chunks of one column prepared for scoring against a reference profile.

    `leave_out[c]` marks chunks taken from the reference itself: they are scored against the
    reference without them. Every profile has `counts` (chunks x buckets) and `sizes` (non-missing
    values per chunk); continuous ones also the exact KS D and Wasserstein W1 of each chunk against
    the full reference (`ks`, `w`, computed in one fused pass over the sorted chunks) and report
    histogram counts (`plot_counts`).
    """

    profile: Profile
    sizes: np.ndarray
    leave_out: np.ndarray
    counts: np.ndarray
    ks: np.ndarray | None = None
    w: np.ndarray | None = None
    plot_counts: np.ndarray | None = None
    order: np.ndarray | None = None  # (3, chunks): min, max, median of each chunk's non-missing values

    @property
    def n_chunks(self) -> int:
        return int(self.sizes.size)

    @property
    def continuous(self) -> ContinuousProfile:
        """The reference profile of a continuous column (methods for continuous columns only)."""
        if not isinstance(self.profile, ContinuousProfile):
            raise TypeError("this drift method scores continuous columns only")
        return self.profile

    def exact(self) -> tuple[np.ndarray, np.ndarray]:
        """(KS D, Wasserstein W1) of each chunk against the full reference; continuous columns only."""
        if self.ks is None or self.w is None:
            raise TypeError("exact distances are computed for continuous columns only")
        return self.ks, self.w

    @cached_property
    def ref_sizes(self) -> np.ndarray:
        """Reference size each chunk is compared with (n, or n - m when left out)."""
        return self.profile.n - np.where(self.leave_out, self.sizes, 0)

    @cached_property
    def ref_counts(self) -> np.ndarray:
        """Reference bucket counts each chunk is compared with (chunk removed when left out)."""
        base = np.broadcast_to(self.profile.ref_counts, self.counts.shape)
        return base - np.where(self.leave_out[:, None], self.counts, 0)
