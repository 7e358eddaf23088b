"""Univariate drift methods: one class per method in UNIVARIATE_METHODS, scored on profiles.

A method is fitted once per column on a reference *profile* (sorted values, tie runs, prefix sums and
decile bins for continuous columns; category counts for categorical ones) and scores every chunk of
the column in one vectorised call on a *chunk profile*: per-chunk bucket counts plus, for continuous
columns, the exact KS D and Wasserstein W1 of every chunk, computed in one fused, cache-blocked pass
over the sorted chunks (`continuous_chunks`). The same code scores the reference chunks leave-one-chunk-out, the
analysis chunks, and the random reference samples that calibrate the thresholds
(reportgen.drift.calibration), so the null distribution and the reported values never disagree.

Exactness: Kolmogorov-Smirnov and Wasserstein are computed exactly from each sorted chunk against the
pre-sorted reference (no binning); leaving a chunk S out of the reference R is exact and free because
F_{R\\S} = (n F_R - m F_S) / (n - m), hence |F_S - F_{R\\S}| = n / (n - m) |F_S - F_R| pointwise.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats

from reportgen.config import ThresholdConfig
from reportgen.dataset import Column
from reportgen.drift.kolmogorov import SCIPY_MAX_N, ks_sf
from reportgen.errors import NotFittedError
from reportgen.registry import Registry

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
    return _profile_of_sorted(np.sort(values[~np.isnan(values)]))


def _profile_of_sorted(r: np.ndarray) -> ContinuousProfile:
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
    counts: np.ndarray | None = None
    ks: np.ndarray | None = None
    w: np.ndarray | None = None
    plot_counts: np.ndarray | None = None

    @property
    def n_chunks(self) -> int:
        return int(self.sizes.size)

    @cached_property
    def ref_sizes(self) -> np.ndarray:
        """Reference size each chunk is compared with (n, or n - m when left out)."""
        return self.profile.n - np.where(self.leave_out, self.sizes, 0)

    @cached_property
    def ref_counts(self) -> np.ndarray:
        """Reference bucket counts each chunk is compared with (chunk removed when left out)."""
        base = np.broadcast_to(self.profile.ref_counts, self.counts.shape)
        return base - np.where(self.leave_out[:, None], self.counts, 0)


BLOCK = 1 << 16  # values per fused pass: temporaries stay in the CPU cache


def _segment_sort(values: np.ndarray, bounds: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated sorted non-missing values of consecutive [start, end) segments, and their sizes."""
    lengths = {e - s for s, e in bounds}
    contiguous = all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1))
    if len(lengths) == 1 and contiguous and next(iter(lengths)) > 0:
        out = np.sort(values[bounds[0][0] : bounds[-1][1]].reshape(len(bounds), -1), axis=1)  # NaN last
        if not np.isnan(out[:, -1]).any():
            return out.ravel(), np.full(len(bounds), out.shape[1], np.int64)
        keep = ~np.isnan(out)
        return out[keep], keep.sum(axis=1).astype(np.int64)
    parts = []
    for s, e in bounds:
        part = np.sort(values[s:e])
        if part.size and np.isnan(part[-1]):
            part = part[: part.size - int(np.isnan(part).sum())]
        parts.append(part)
    return (np.concatenate(parts) if parts else np.zeros(0)), np.array([p.size for p in parts], np.int64)


def _blocks(sizes: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive chunk ranges [i, j) holding about BLOCK values each (at least one chunk)."""
    return _blocks_of(sizes, BLOCK)


def _blocks_of(sizes: np.ndarray, block: int) -> list[tuple[int, int]]:
    """Consecutive chunk ranges [i, j) holding about `block` values each (at least one chunk)."""
    out, i, acc = [], 0, 0
    for j, m in enumerate(sizes):
        acc += int(m)
        if acc >= block:
            out.append((i, j + 1))
            i, acc = j + 1, 0
    if i < len(sizes):
        out.append((i, len(sizes)))
    return out


def _rank(p: ContinuousProfile, s: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Counts of reference values <= and < each sorted value (the second None when no value ties)."""
    right = np.searchsorted(p.sorted, s, side="right")
    hit = np.flatnonzero(p.sorted[right - 1] == s)  # value also in the reference (right = 0 never matches)
    if not hit.size:
        return right, None
    left = right.copy()
    left[hit] = p.run_start[right[hit] - 1]
    return right, left


def _exact_block(
    p: ContinuousProfile, s: np.ndarray, sizes: np.ndarray, right: np.ndarray | None, left: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact KS D and Wasserstein W1 against the full reference for consecutive sorted chunks in s.

    KS: between chunk values F_chunk is flat and F_ref only grows, so sup |F_chunk - F_ref| is
    reached at a chunk value (right limit, last of a tie run) or just left of one (first of a run).
    W1 = integral |F_chunk - F_ref| dx, summed over the intervals [a, b) between consecutive chunk
    values where F_chunk = f = j/m is flat. With G(x) = integral_{-inf}^x F_ref = (1/n) sum_{r <= x}
    (x - r) (from centred prefix sums of the sorted reference) and y = clip(x*, a, b), where
    x* = r_k, k = floor(j n / m), is where F_ref crosses f, each interval gives
    f (2y - a - b) + G(a) + G(b) - 2 G(y); before the first value the integral is G(s_1).
    """
    n, r = p.n, p.sorted
    k_ = sizes.size
    d = np.zeros(k_)
    w = np.zeros(k_)
    if s.size == 0 or n == 0:
        return d, w
    same = s[1:] == s[:-1]
    if right is None:
        runs = np.count_nonzero(~same) + 1
        if runs * 4 <= s.size:  # heavy ties: rank each distinct value once (equal keys search slowly)
            first_at = np.concatenate([[0], np.flatnonzero(~same) + 1])
            reps = np.diff(np.append(first_at, s.size))
            right, left = _rank(p, s[first_at])
            right = np.repeat(right, reps)
            left = right if left is None else np.repeat(left, reps)
        else:
            right, left = _rank(p, s)
            if left is None:
                left = right
    offs = np.zeros(k_ + 1, np.int64)
    np.cumsum(sizes, out=offs[1:])
    nonempty = sizes > 0
    starts, ends = offs[:-1][nonempty], offs[1:][nonempty] - 1
    t = p.block_templates(sizes[nonempty])
    inv_n = 1.0 / n
    fr = right * inv_n
    same[ends[:-1]] = False  # values of different chunks are never one tie run
    if same.any() or left is not right:
        # ties: only run ends (right limits) and run starts (left limits) count
        first = np.ones(s.size, bool)
        last = np.ones(s.size, bool)
        first[1:] = ~same
        last[:-1] = ~same
        gap = np.abs(t["f"] - fr)
        gap[~last] = 0.0
        gap_l = np.abs(t["f_left"] - left * inv_n)
        gap_l[~first] = 0.0
        np.maximum(gap, gap_l, out=gap)
        d[nonempty] = np.maximum.reduceat(gap, starts)
    else:  # max(|u|, |u - 1/m|) = 1/(2m) + |u - 1/(2m)| with u = j/m - F_ref
        gap = np.abs(t["f_mid"] - fr)
        d[nonempty] = np.maximum.reduceat(gap, starts) + 0.5 / sizes[nonempty]
    # Wasserstein
    g_a = (right * (s - p.center) - p.prefix[right]) * inv_n
    b = np.empty_like(s)
    b[:-1] = s[1:]
    g_b = np.empty_like(g_a)
    g_b[:-1] = g_a[1:]
    last_b = np.maximum(s[ends], r[-1])  # after the last value F_chunk = 1 = F_ref beyond r_max
    b[ends] = last_b
    g_b[ends] = (n * (last_b - p.center) - p.prefix[n]) * inv_n
    xk = t["xk"]
    y = np.clip(xk, s, b)
    g_y = np.where(xk <= s, g_a, np.where(xk >= b, g_b, t["g_k"]))
    part = t["f"] * (2.0 * y - s - b) + g_a + g_b - 2.0 * g_y
    w[nonempty] = np.add.reduceat(part, starts) + g_a[starts]
    np.maximum(w, 0.0, out=w)
    return d, w


def _segment_counts(s: np.ndarray, sizes: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(chunks x len(edges)+1) counts of consecutive sorted segments in bins edges[b-1] <= x < edges[b]."""
    out = np.empty((sizes.size, edges.size + 2), np.int64)
    out[:, 0] = 0
    out[:, -1] = sizes
    o = 0
    for c, m in enumerate(sizes):
        out[c, 1:-1] = np.searchsorted(s[o : o + m], edges, side="left")
        o += m
    return np.diff(out, axis=1)


def bin_counts(sorted_values: np.ndarray, offsets: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(chunks x len(edges)+1) counts of each sorted segment in bins edges[b-1] <= x < edges[b]."""
    return _segment_counts(sorted_values, np.diff(offsets).astype(np.int64), edges)


_ORDER_STATS: dict[int, tuple[Any, tuple, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _remember_order_stats(
    values: np.ndarray, bounds: list[tuple[int, int]], mins: np.ndarray, maxs: np.ndarray, medians: np.ndarray
) -> None:
    """Keep the per-chunk min, max and median read off the sorted chunks, for `chunk_order_stats`."""
    key = id(values)
    try:
        ref = weakref.ref(values, lambda _, key=key: _ORDER_STATS.pop(key, None))
    except TypeError:  # not weak-referenceable: nothing is cached
        return
    _ORDER_STATS[key] = (ref, tuple(bounds), (mins, maxs, medians))


def chunk_order_stats(
    values: np.ndarray, bounds: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(min, max, median) of the non-missing values of each [start, end) chunk of this very array,
    when `continuous_chunks` already sorted those chunks (univariate drift runs before summary
    statistics), else None. Values equal numpy's min / max / median (NaN for empty chunks); the
    arrays are shared, do not modify them.
    """
    got = _ORDER_STATS.get(id(values))
    if got is None or got[0]() is not values or got[1] != tuple(bounds):
        return None
    return got[2]


def _segment_order_stats(s: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min, max and median (as np.median: mean of the two middle values) of consecutive sorted segments."""
    mins, maxs, meds = (np.full(sizes.size, np.nan) for _ in range(3))
    ok = sizes > 0
    if ok.any():
        starts = (np.cumsum(sizes) - sizes)[ok]
        m = sizes[ok]
        mins[ok] = s[starts]
        maxs[ok] = s[starts + m - 1]
        lo, hi = s[starts + (m - 1) // 2], s[starts + m // 2]
        meds[ok] = np.where(m % 2 == 1, hi, (lo + hi) / 2.0)
    return mins, maxs, meds


def _cum_below(cum: np.ndarray, distinct: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(chunks x edges) counts of values < each edge, from cumulative counts over the distinct values."""
    below = np.searchsorted(distinct, edges, side="left")  # distinct values < edge
    padded = np.concatenate([np.zeros((cum.shape[0], 1), cum.dtype), cum], axis=1)
    return padded[:, below]


def _integer_table(u: np.ndarray) -> np.ndarray | None:
    """When the distinct values are integers spanning at most 65,536: position of each integer in u
    (len(u) where absent), so values are coded by one lookup instead of a binary search."""
    span = u[-1] - u[0]
    if not (np.all(u == np.round(u)) and span <= 65_535):
        return None
    table = np.full(int(span) + 1, u.size - 1, np.int64)  # absent integers: any code, caught by the check
    table[(u - u[0]).astype(np.int64)] = np.arange(u.size)
    return table


def _value_codes(u: np.ndarray, v: np.ndarray, table: np.ndarray | None) -> np.ndarray:
    """A position k in u per value with u[k] == v whenever v is one of u (anything else otherwise)."""
    if table is None:
        code = np.searchsorted(u, v, side="left")
        np.minimum(code, u.size - 1, out=code)
        return code
    t = v - u[0]
    np.clip(t, 0, table.size - 1, out=t)  # NaN stays NaN
    t[np.isnan(t)] = 0
    return table[t.astype(np.int64)]


def _discrete_chunks(
    profile: ContinuousProfile, values: np.ndarray, bounds: list[tuple[int, int]], out: dict[str, np.ndarray]
) -> np.ndarray:
    """Fill `out` for chunks whose values all occur in the reference; return the indices of the others.

    Each value is coded by its position among the reference's distinct values u_1 < ... < u_K, and
    one bincount gives every chunk's count of each u_k. Both cumulative distributions then step only
    at the u_k, so KS D = max_k |F_c(u_k) - F_r(u_k)| and W1 = sum_k |F_c(u_k) - F_r(u_k)| (u_k+1 - u_k)
    exactly; bucket counts and min / max / median come from the same cumulative counts.
    """
    u = profile.distinct
    k_ = u.size
    f_ref = profile.distinct_cum / profile.n
    du = np.diff(u)
    raw = np.array([e - s for s, e in bounds], np.int64)
    table = _integer_table(u)
    others = []
    for i, j in _blocks_of(raw, DISCRETE_BLOCK):
        seg = bounds[i:j]
        contiguous = all(seg[t][1] == seg[t + 1][0] for t in range(len(seg) - 1))
        v = values[seg[0][0] : seg[-1][1]] if contiguous else np.concatenate([values[s:e] for s, e in seg])
        code = _value_codes(u, v, table)
        outside = u[code] != v  # NaN too
        missing = np.isnan(v)
        offs = np.zeros(j - i + 1, np.int64)
        np.cumsum(raw[i:j], out=offs[1:])
        cs = np.concatenate([[0], np.cumsum(outside & ~missing)])
        foreign = cs[offs[1:]] - cs[offs[:-1]] > 0
        code[outside] = k_  # missing (or foreign: the chunk is redone by sorting)
        code += np.repeat(np.arange(j - i, dtype=np.int64) * (k_ + 1), raw[i:j])
        cnt = np.bincount(code, minlength=(j - i) * (k_ + 1)).reshape(j - i, k_ + 1)[:, :k_]
        cum = np.cumsum(cnt, axis=1)
        m = cum[:, -1]
        idx = np.arange(i, j)
        out["sizes"][idx] = m
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.abs(cum / m[:, None] - f_ref)
        gap[m == 0] = 0.0
        out["ks"][idx] = gap.max(axis=1)
        out["w"][idx] = (gap[:, :-1] * du).sum(axis=1)
        for name, edges in (("counts", profile.edges), ("plot", profile.plot_edges[1:-1])):
            below = _cum_below(cum, u, edges)
            out[name][idx] = np.diff(
                np.concatenate([np.zeros((j - i, 1), np.int64), below, m[:, None]], axis=1), axis=1
            )
        ok = m > 0
        lo_pos, hi_pos = (m - 1) // 2, m // 2
        first = np.argmax(cnt > 0, axis=1)
        last = k_ - 1 - np.argmax(cnt[:, ::-1] > 0, axis=1)
        lo_v = u[np.minimum((cum <= lo_pos[:, None]).sum(axis=1), k_ - 1)]
        hi_v = u[np.minimum((cum <= hi_pos[:, None]).sum(axis=1), k_ - 1)]
        order = out["order"]
        order[0, idx] = np.where(ok, u[first], np.nan)
        order[1, idx] = np.where(ok, u[last], np.nan)
        order[2, idx] = np.where(ok, np.where(m % 2 == 1, hi_v, (lo_v + hi_v) / 2.0), np.nan)
        others.extend(idx[foreign].tolist())
    return np.array(others, np.int64)


def continuous_chunks(
    profile: ContinuousProfile,
    values: np.ndarray,
    bounds: list[tuple[int, int]],
    leave_out: np.ndarray,
    *,
    exact: bool = True,
) -> ChunkProfile:
    """Chunk profile of every [start, end) segment of `values`: one fused, cache-blocked pass.

    Each block of chunks is sorted, ranked in the sorted reference and reduced to per-chunk exact
    KS D and W1 (skipped when `exact` is False: no exact method selected), bucket counts and
    report-histogram counts; nothing chunk-sized is kept. Columns with few distinct reference values
    are counted instead of sorted (`_discrete_chunks`); only chunks holding values the reference
    never had are sorted.
    """
    values = np.asarray(values, dtype=np.float64)
    k = len(bounds)
    out = _chunk_arrays(profile, k)
    todo = np.arange(k)
    if k and profile.distinct is not None:
        todo = _discrete_chunks(profile, values, bounds, out)
    _sorted_chunks(profile, values, [bounds[c] for c in todo], todo, out, exact)
    return _chunk_profile(profile, values, bounds, out, leave_out)


def _chunk_arrays(profile: ContinuousProfile, k: int) -> dict[str, np.ndarray]:
    """Per-chunk results of a continuous column, filled by the counting or the sorting path."""
    return {
        "sizes": np.zeros(k, np.int64),
        "ks": np.zeros(k),
        "w": np.zeros(k),
        "counts": np.zeros((k, profile.edges.size + 1), np.int64),
        "plot": np.zeros((k, profile.plot_edges.size - 1), np.int64),
        "order": np.full((3, k), np.nan),  # min, max, median per chunk, free from the sorted chunks
    }


def _chunk_profile(
    profile: ContinuousProfile,
    values: np.ndarray,
    bounds: list[tuple[int, int]],
    out: dict[str, np.ndarray],
    leave_out: np.ndarray,
) -> ChunkProfile:
    """The ChunkProfile of filled arrays; the order statistics are kept for summary statistics."""
    if bounds:
        order = out["order"]
        _remember_order_stats(values, bounds, order[0], order[1], order[2])
    return ChunkProfile(
        profile, out["sizes"], np.asarray(leave_out, bool), out["counts"], out["ks"], out["w"], out["plot"]
    )


def _fill_sorted(
    profile: ContinuousProfile,
    out: dict[str, np.ndarray],
    idx: np.ndarray,
    s: np.ndarray,
    sz: np.ndarray,
    right: np.ndarray | None,
    left: np.ndarray | None,
    exact: bool,
) -> None:
    """Write one block of sorted chunks (values `s`, sizes `sz`) into `out` at chunk indices `idx`."""
    out["sizes"][idx] = sz
    out["order"][:, idx] = _segment_order_stats(s, sz)
    if exact:
        out["ks"][idx], out["w"][idx] = _exact_block(profile, s, sz, right, left)
    out["counts"][idx] = _segment_counts(s, sz, profile.edges)
    out["plot"][idx] = _segment_counts(s, sz, profile.plot_edges[1:-1])


def _sorted_chunks(
    profile: ContinuousProfile,
    values: np.ndarray,
    bounds: list[tuple[int, int]],
    where: np.ndarray,
    out: dict[str, np.ndarray],
    exact: bool,
) -> None:
    """Fill `out` at chunk indices `where` (one per bound) by sorting each chunk and ranking it."""
    raw = np.array([e - s for s, e in bounds], np.int64)
    for i, j in _blocks(raw):
        s, sz = _segment_sort(values, bounds[i:j])
        _fill_sorted(profile, out, where[i:j], s, sz, None, None, exact)


def profile_with_chunks(values: np.ndarray, bounds: list[tuple[int, int]]) -> tuple[ContinuousProfile, ChunkProfile]:
    """The reference profile and the profile of the reference's own chunks (each left out), from one argsort.

    A reference value's rank in the reference is its sorted position, so grouping the sorted positions
    by chunk (a stable sort of small chunk numbers) hands every chunk its sorted values and exact ranks:
    no chunk is sorted or searched. Equal to `continuous_profile` + `continuous_chunks`.
    """
    values = np.asarray(values, dtype=np.float64)
    keep = np.flatnonzero(~np.isnan(values))
    order = np.argsort(values[keep])
    profile = _profile_of_sorted(values[keep][order])
    k = len(bounds)
    if k == 0 or profile.distinct is not None:  # counting is cheaper still
        return profile, continuous_chunks(profile, values, bounds, np.ones(k, bool))
    chunk_of_row = np.full(values.size, k, np.int16 if k < np.iinfo(np.int16).max else np.int32)
    for c, (start, end) in enumerate(bounds):
        chunk_of_row[start:end] = c
    chunk_of_sorted = chunk_of_row[keep[order]]
    del order, keep
    positions = np.argsort(chunk_of_sorted, kind="stable")  # by chunk, ascending sorted position within
    sizes = np.bincount(chunk_of_sorted, minlength=k + 1)[:k].astype(np.int64)
    offs = np.concatenate([[0], np.cumsum(sizes)])
    out = _chunk_arrays(profile, k)
    for i, j in _blocks(sizes):
        pos = positions[offs[i] : offs[j]]
        # the values are in the reference: F_ref jumps at each, so the left limit counts values below it
        _fill_sorted(
            profile,
            out,
            np.arange(i, j),
            profile.sorted[pos],
            sizes[i:j],
            profile.run_end[pos],
            profile.run_start[pos],
            True,
        )
    return profile, _chunk_profile(profile, values, bounds, out, np.ones(k, bool))


def sample_chunks(profile: ContinuousProfile, positions: np.ndarray) -> ChunkProfile:
    """Chunk profile of reference samples given as sorted positions (samples x m), all left out."""
    samples, m = positions.shape
    ks, w = np.zeros(samples), np.zeros(samples)
    per_block = max(1, BLOCK // max(m, 1))
    sizes = np.full(samples, m, np.int64)
    for i in range(0, samples, per_block):
        idx = positions[i : i + per_block].ravel()
        sz = sizes[i : i + per_block]
        right = profile.run_end[idx]
        left = profile.run_start[idx]  # the value itself is in the reference: F_ref jumps there
        ks[i : i + per_block], w[i : i + per_block] = _exact_block(profile, profile.sorted[idx], sz, right, left)
    counts = np.zeros((samples, profile.edges.size + 1), np.int64)  # not used by exact methods
    return ChunkProfile(profile, sizes, np.ones(samples, bool), counts, ks, w)


def categorical_chunks(
    profile: CategoricalProfile, codes: np.ndarray, bounds: list[tuple[int, int]], leave_out: np.ndarray
) -> ChunkProfile:
    """Chunk profile of category counts for every [start, end) segment, from one bincount."""
    k1 = profile.ref_counts.size  # K + 1 (categories + unseen); K + 1 is the missing code
    levels = k1 + 1
    if not bounds:
        counts = np.zeros((0, k1), np.int64)
    else:
        lo, hi = bounds[0][0], bounds[-1][1]
        pos = np.full(hi - lo, len(bounds), np.int64)  # rows in no chunk go to a spill row
        for i, (s, e) in enumerate(bounds):
            pos[s - lo : e - lo] = i
        flat = np.asarray(codes[lo:hi], np.int64) + pos * levels
        counts = np.bincount(flat, minlength=(len(bounds) + 1) * levels).reshape(-1, levels)[: len(bounds), :k1]
    return ChunkProfile(profile, counts.sum(axis=1), np.asarray(leave_out, bool), counts)


# --- methods ----------------------------------------------------------------------------------


class UnivariateMethod:
    """Base class of a univariate drift method (one class per method, registered by `name`).

    Class attributes describe the method for the config, the thresholds and the report appendix:
    `kinds` (column kinds it applies to), `metrics` (results it writes), `metric` (the one that
    alerts), `direction` per metric, `value_range` per metric, `default_threshold` (the classic
    per-method rule, used when calibration on reference samples is impossible or not wanted),
    `needs` ("sorted" values or bucket "counts"), `display_name` and `description`.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]
    metrics: ClassVar[tuple[str, ...]]
    metric: ClassVar[str]
    direction: ClassVar[dict[str, str]]
    value_range: ClassVar[dict[str, tuple[float | None, float | None]]]
    default_threshold: ClassVar[dict[str, ThresholdConfig]]
    needs: ClassVar[str] = "counts"
    description: ClassVar[str]

    def fit(self, reference: Column | Profile | np.ndarray) -> UnivariateMethod:
        """Learn the reference profile (a Column, a prepared profile, or raw float values)."""
        if isinstance(reference, (ContinuousProfile, CategoricalProfile)):
            profile = reference
        elif isinstance(reference, Column):
            profile = make_profile(reference)
        else:
            profile = continuous_profile(np.asarray(reference, dtype=np.float64))
        if profile.kind not in self.kinds:
            raise ValueError(f"method '{self.name}' does not apply to {profile.kind} columns")
        self.profile_ = profile
        return self

    def check_fitted(self) -> None:
        if not hasattr(self, "profile_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(reference) first")

    def score(self, chunks: ChunkProfile, *, skip_p_values: bool = False) -> dict[str, np.ndarray]:
        """Every metric for every chunk (NaN where a chunk or the reference has no values).

        `skip_p_values` lets calibration skip costly p-values it does not need (they come back NaN).
        """
        self.check_fitted()
        self.skip_p_values_ = skip_p_values
        out = self._score(chunks)
        empty = (chunks.sizes == 0) | (chunks.ref_sizes <= 0)
        for key in out:
            out[key] = np.where(empty, np.nan, np.asarray(out[key], dtype=np.float64))
        return out

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def fallback_note(self) -> str | None:
        """A note for every value of the alerting metric when it had to fall back to a defined substitute."""
        return None

    def explain(self) -> str:
        return self.description


UNIVARIATE_METHODS: Registry[UnivariateMethod] = Registry("univariate drift method")

_DIST = {"higher_is_worse"}
_UNIT = (0.0, 1.0)
_POS = (0.0, None)


def _proportions(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / totals


@UNIVARIATE_METHODS.register
class KolmogorovSmirnov(UnivariateMethod):
    """Two-sample Kolmogorov-Smirnov D = sup |F_chunk - F_reference|, exact, plus its p-value."""

    name = "kolmogorov_smirnov"
    display_name = "Kolmogorov-Smirnov"
    kinds = ("continuous",)
    metrics = ("statistic", "p_value")
    metric = "statistic"
    direction = {"statistic": "higher_is_worse", "p_value": "lower_is_worse"}
    value_range = {"statistic": _UNIT, "p_value": _UNIT}
    default_threshold = {
        "statistic": ThresholdConfig(type="standard_deviation", std_lower_multiplier=None, std_upper_multiplier=3.0)
    }
    needs = "sorted"
    description = (
        "The largest vertical gap between the cumulative distribution of the chunk and that of the "
        "reference (two-sample Kolmogorov-Smirnov D, between 0 and 1), computed exactly from every "
        "value; sensitive to shifts of location and shape anywhere in the range. The p-value is "
        "Smirnov's asymptotic two-sided one (as scipy.stats.ks_2samp with method='asymp'; above an "
        f"effective size of {SCIPY_MAX_N:,} from the Pelz-Good expansion, within 1e-7 of it)."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        n = chunks.profile.n
        d = chunks.ks
        n_ref = chunks.ref_sizes.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(chunks.leave_out, d * n / n_ref, d)  # exact leave-one-out rescaling
            d = np.minimum(d, 1.0)
            m = chunks.sizes.astype(np.float64)
            en = np.round(m * n_ref / (m + n_ref))
            if getattr(self, "skip_p_values_", False):
                p = np.full(d.size, np.nan)
            else:  # Smirnov's asymptotic two-sided p-value, as scipy's ks_2samp(method="asymp")
                p = ks_sf(d, np.maximum(en, 1))
        return {"statistic": d, "p_value": p}


@UNIVARIATE_METHODS.register
class Wasserstein(UnivariateMethod):
    """Earth mover's distance W1 between chunk and reference, exact; also scaled by the reference std."""

    name = "wasserstein"
    display_name = "Wasserstein"
    kinds = ("continuous",)
    metrics = ("distance", "scaled_distance")
    metric = "scaled_distance"
    direction = {"distance": "higher_is_worse", "scaled_distance": "higher_is_worse"}
    value_range = {"distance": _POS, "scaled_distance": _POS}
    default_threshold = {
        "scaled_distance": ThresholdConfig(
            type="standard_deviation", std_lower_multiplier=None, std_upper_multiplier=3.0
        )
    }
    needs = "sorted"
    description = (
        "The earth mover's distance: the area between the two cumulative distributions, i.e. the "
        "average distance values must move to turn the reference distribution into the chunk's, in "
        "the feature's own unit (equals scipy.stats.wasserstein_distance, computed exactly). The "
        "alerting value is that distance divided by the reference standard deviation, so one "
        "threshold fits every feature."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        w = chunks.w
        n = chunks.profile.n
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(chunks.leave_out, w * n / chunks.ref_sizes, w)
            std = chunks.profile.std
            # a reference constant in this column has no spread to divide by: the distance in the
            # feature's own unit still measures how far the chunk moved (see fallback_note)
            scaled = w / std if std > 0 else w
        return {"distance": w, "scaled_distance": scaled}

    def fallback_note(self) -> str | None:
        """Why scaled_distance is the plain distance: the reference standard deviation is zero."""
        self.check_fitted()
        std = getattr(self.profile_, "std", float("nan"))
        if self.profile_.n and not std > 0:
            return "constant in the reference (standard deviation 0): scaled_distance is the distance in the feature's unit"
        return None


@UNIVARIATE_METHODS.register
class JensenShannon(UnivariateMethod):
    """Jensen-Shannon distance (base 2) between chunk and reference bucket proportions."""

    name = "jensen_shannon"
    display_name = "Jensen-Shannon"
    kinds = ("continuous", "categorical")
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": _UNIT}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = (
        "The Jensen-Shannon distance (square root of the divergence, base 2, between 0 and 1) "
        "between the chunk's and the reference's proportions per bucket: the categories plus an "
        "'unseen' bucket, or for continuous features the reference deciles, the first and last "
        "open-ended so values beyond the reference range are kept there. Symmetric and bounded."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p, q = _proportions(chunks.ref_counts), _proportions(chunks.counts)
        mid = (p + q) / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            div = (special.rel_entr(p, mid) + special.rel_entr(q, mid)).sum(axis=1) / np.log(2.0)
        return {"distance": np.sqrt(np.clip(div / 2.0, 0.0, 1.0))}


@UNIVARIATE_METHODS.register
class Hellinger(UnivariateMethod):
    """Hellinger distance between chunk and reference bucket proportions."""

    name = "hellinger"
    display_name = "Hellinger"
    kinds = ("continuous", "categorical")
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": _UNIT}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = (
        "The Hellinger distance sqrt(1/2 sum (sqrt(p) - sqrt(q))^2), between 0 and 1, on the same "
        "buckets as Jensen-Shannon; it weighs changes in rare buckets more than the total variation."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p, q = _proportions(chunks.ref_counts), _proportions(chunks.counts)
        h = np.sqrt(((np.sqrt(p) - np.sqrt(q)) ** 2).sum(axis=1) / 2.0)
        return {"distance": np.minimum(h, 1.0)}


@UNIVARIATE_METHODS.register
class LInfinity(UnivariateMethod):
    """Largest absolute change of one category's share (L-infinity distance)."""

    name = "l_infinity"
    display_name = "L-infinity"
    kinds = ("categorical",)
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": _UNIT}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = (
        "The largest absolute difference between the chunk's and the reference's share of any one "
        "category (unseen values counted as one more category), between 0 and 1: 0.1 means some "
        "category's share moved by 10 percentage points."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p, q = _proportions(chunks.ref_counts), _proportions(chunks.counts)
        return {"distance": np.abs(p - q).max(axis=1) if p.shape[1] else np.zeros(p.shape[0])}


@UNIVARIATE_METHODS.register
class PopulationStabilityIndex(UnivariateMethod):
    """Population stability index sum (q - p) ln(q / p) over buckets (credit-risk standard)."""

    name = "psi"
    display_name = "Population stability index"
    kinds = ("continuous", "categorical")
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": _POS}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.25)}
    description = (
        "The population stability index, sum over buckets of (chunk share - reference share) x "
        "ln(chunk share / reference share), on the same buckets as Jensen-Shannon (reference deciles "
        f"for continuous features); shares are floored at {PSI_FLOOR:g} so empty buckets stay finite. "
        "The credit-risk rule of thumb reads below 0.1 as stable and above 0.25 as a major shift."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p = np.maximum(_proportions(chunks.ref_counts), PSI_FLOOR)
        q = np.maximum(_proportions(chunks.counts), PSI_FLOOR)
        return {"distance": ((q - p) * np.log(q / p)).sum(axis=1)}


@UNIVARIATE_METHODS.register
class ChiSquared(UnivariateMethod):
    """Pearson's chi-squared test of the reference-vs-chunk contingency table (as scipy's)."""

    name = "chi2"
    display_name = "Chi-squared"
    kinds = ("categorical",)
    metrics = ("statistic", "p_value")
    metric = "statistic"
    direction = {"statistic": "higher_is_worse", "p_value": "lower_is_worse"}
    value_range = {"statistic": _POS, "p_value": _UNIT}
    default_threshold = {"p_value": ThresholdConfig(type="constant", lower=0.05)}
    description = (
        "Pearson's chi-squared statistic of the 2 x categories table of reference and chunk counts "
        "(categories absent from both left out; Yates' continuity correction when the table has one "
        "degree of freedom), equal to scipy.stats.chi2_contingency, with its p-value. The statistic "
        "grows with the chunk size, so its threshold is calibrated on same-size reference samples."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        ref = chunks.ref_counts.astype(np.float64)
        obs = chunks.counts.astype(np.float64)
        col = ref + obs
        used = col > 0
        r_tot = ref.sum(axis=1, keepdims=True)
        c_tot = obs.sum(axis=1, keepdims=True)
        total = r_tot + c_tot
        dof = used.sum(axis=1) - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            e_ref = r_tot * col / total
            e_obs = c_tot * col / total
            d_ref = ref - e_ref
            d_obs = obs - e_obs
            yates = (dof == 1)[:, None]
            # Yates: move each observed count up to 0.5 towards its expectation (as scipy does)
            d_ref = np.where(yates, np.sign(d_ref) * np.maximum(np.abs(d_ref) - 0.5, 0.0), d_ref)
            d_obs = np.where(yates, np.sign(d_obs) * np.maximum(np.abs(d_obs) - 0.5, 0.0), d_obs)
            cells = np.where(used, d_ref**2 / e_ref + d_obs**2 / e_obs, 0.0)
        stat = cells.sum(axis=1)
        stat = np.where(dof > 0, stat, 0.0)
        p = np.where(dof > 0, stats.chi2.sf(stat, np.maximum(dof, 1)), 1.0)
        return {"statistic": stat, "p_value": p}


def applicable_methods(kind: str, names: tuple[str, ...] | None = None) -> list[str]:
    """Registry names (config order, or all) of the methods that apply to a column kind."""
    chosen = list(names) if names is not None else UNIVARIATE_METHODS.names()
    return [n for n in chosen if kind in UNIVARIATE_METHODS.get(n).kinds]


def method_info(name: str) -> dict[str, Any]:
    """Plain description of one method for the report's appendix."""
    cls = UNIVARIATE_METHODS.get(name)
    return {
        "method": cls.name,
        "title": cls.display_name,
        "description": cls.description,
        "metric": cls.metric,
        "kinds": list(cls.kinds),
    }
