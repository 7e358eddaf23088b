"""Chunk profiles: every chunk of a column as bucket counts plus, for continuous columns, the exact
KS D and Wasserstein W1 of each chunk against the reference, in one fused, cache-blocked pass over
the sorted chunks (`continuous_chunks`). The same code scores the reference chunks leave-one-chunk-out,
the analysis chunks, and the random reference samples that calibrate the thresholds
(reportgen.drift.calibration), so the null distribution and the reported values never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from reportgen.drift.profiles import (
    DISCRETE_BLOCK,
    CategoricalProfile,
    ChunkProfile,
    ContinuousProfile,
    profile_of_sorted,
)

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
    if left is None:  # no value ties: left limits equal right limits
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


ORDER_STATS = "order_stats"  # memo key: (ORDER_STATS, column) -> (bounds, (3, chunks) min / max / median)


def remember_order_stats(memo: dict[Any, Any], column: str, bounds: list[tuple[int, int]], cp: ChunkProfile) -> None:
    """Keep a column's per-chunk min, max and median, read off its sorted chunks, in the memo of the
    Dataset holding those rows (Dataset.memo), for `chunk_order_stats`."""
    if cp.order is not None:
        memo[(ORDER_STATS, column)] = (tuple(bounds), cp.order)


def chunk_order_stats(
    memo: Mapping[Any, Any], column: str, bounds: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(min, max, median) of the non-missing values of each [start, end) chunk of a column, when
    univariate drift already sorted these very chunks of the Dataset owning `memo` (it runs before
    summary statistics), else None. Values equal numpy's min / max / median (NaN for empty chunks);
    the arrays are shared, do not modify them.
    """
    got = memo.get((ORDER_STATS, column))
    if got is None or got[0] != tuple(bounds):
        return None
    order = got[1]
    return order[0], order[1], order[2]


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
    if u is None:
        raise ValueError("_discrete_chunks needs a column with few distinct reference values")
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
    """The ChunkProfile of filled arrays, with the order statistics (for summary statistics, see remember_order_stats)."""
    return ChunkProfile(
        profile,
        out["sizes"],
        np.asarray(leave_out, bool),
        out["counts"],
        out["ks"],
        out["w"],
        out["plot"],
        order=out["order"],
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
    profile = profile_of_sorted(values[keep][order])
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
