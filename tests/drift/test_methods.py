"""Univariate drift methods equal their published definitions (scipy) and keep their properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

import reportgen.drift.chunk_profiles as chunk_profiles
import reportgen.drift.methods as M
import reportgen.drift.profiles as profiles
from reportgen.drift.methods import (
    UNIVARIATE_METHODS,
    ChunkProfile,
    categorical_chunks,
    categorical_profile,
    continuous_chunks,
    continuous_profile,
)


def _bounds(sizes):
    edges = np.cumsum([0, *sizes])
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def _score(name, ref, chunks, leave_out=None):
    prof = continuous_profile(ref)
    values = np.concatenate(chunks) if chunks else np.zeros(0)
    lo = np.zeros(len(chunks), bool) if leave_out is None else leave_out
    cp = continuous_chunks(prof, values, _bounds([len(c) for c in chunks]), lo)
    return UNIVARIATE_METHODS.get(name)().fit(prof).score(cp)


def _random_case(rng, ties: bool, n_chunks: int = 4):
    n = int(rng.integers(1, 400))
    draw = (lambda k: rng.integers(0, 25, k).astype(float)) if ties else (lambda k: rng.normal(3.0, 40.0, k))
    ref = draw(n)
    ref[rng.random(n) < 0.1] = np.nan
    sizes = rng.integers(1, 80, n_chunks) if rng.random() < 0.5 else np.full(n_chunks, int(rng.integers(1, 80)))
    chunks = []
    for m in sizes:
        c = draw(int(m)) + (rng.integers(-3, 4) if ties else rng.normal())
        c[rng.random(c.size) < 0.1] = np.nan
        chunks.append(c)
    return ref, chunks


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("block", [7, 1 << 16])
def test_ks_and_wasserstein_equal_scipy_with_ties_and_nans(ties, block, monkeypatch):
    monkeypatch.setattr(chunk_profiles, "BLOCK", block)  # small blocks exercise the multi-block path
    rng = np.random.default_rng(7 + ties)
    for _ in range(60):
        ref, chunks = _random_case(rng, ties)
        ks = _score("kolmogorov_smirnov", ref, chunks)
        w = _score("wasserstein", ref, chunks)
        r = ref[~np.isnan(ref)]
        for i, c in enumerate(chunks):
            c = c[~np.isnan(c)]
            if c.size == 0 or r.size == 0:
                assert np.isnan(ks["statistic"][i]) and np.isnan(w["distance"][i])
                continue
            expect = stats.ks_2samp(r, c, method="asymp")
            assert ks["statistic"][i] == pytest.approx(expect.statistic, abs=1e-12)
            assert ks["p_value"][i] == pytest.approx(expect.pvalue, abs=1e-12)
            ew = stats.wasserstein_distance(r, c)
            assert w["distance"][i] == pytest.approx(ew, rel=1e-12, abs=1e-12)
            if r.std() > 0:
                assert w["scaled_distance"][i] == pytest.approx(ew / r.std(), rel=1e-12, abs=1e-12)


def test_leave_one_chunk_out_equals_scipy_against_the_rest_of_the_reference():
    rng = np.random.default_rng(3)
    ref = np.round(rng.normal(size=600), 1)  # ties
    sizes = [150, 150, 150, 150]
    prof = continuous_profile(ref)
    cp = continuous_chunks(prof, ref, _bounds(sizes), np.ones(4, bool))
    ks = UNIVARIATE_METHODS.get("kolmogorov_smirnov")().fit(prof).score(cp)
    w = UNIVARIATE_METHODS.get("wasserstein")().fit(prof).score(cp)
    js = UNIVARIATE_METHODS.get("jensen_shannon")().fit(prof).score(cp)
    for i, (s, e) in enumerate(_bounds(sizes)):
        rest = np.concatenate([ref[:s], ref[e:]])
        assert ks["statistic"][i] == pytest.approx(stats.ks_2samp(rest, ref[s:e]).statistic, abs=1e-12)
        assert w["distance"][i] == pytest.approx(stats.wasserstein_distance(rest, ref[s:e]), rel=1e-11)
        # binned: the chunk's bucket counts against the reference counts minus the chunk
        p = (prof.ref_counts - cp.counts[i]) / (prof.ref_counts - cp.counts[i]).sum()
        q = cp.counts[i] / cp.counts[i].sum()
        assert js["distance"][i] == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)


def test_continuous_bins_keep_values_outside_the_reference_range():
    ref = np.arange(100, dtype=float)
    chunk = np.array([-50.0, -1.0, 0.0, 50.0, 99.0, 100.0, 1e9])
    prof = continuous_profile(ref)
    cp = continuous_chunks(prof, chunk, [(0, chunk.size)], np.zeros(1, bool))
    assert cp.counts.sum() == chunk.size  # nothing dropped
    assert cp.counts[0, 0] == 3 and cp.counts[0, -1] == 3  # open-ended first / last decile
    assert (prof.ref_counts == 10).all() and prof.ref_counts.size == 10  # deciles
    art = cp.plot_counts
    assert art.sum() == chunk.size and art[0, 0] == 3 and art[0, -1] == 3
    const = continuous_profile(np.full(10, 2.0))  # constant reference: below / equal / above
    cp = continuous_chunks(const, np.array([1.0, 2.0, 2.0, 3.0]), [(0, 4)], np.zeros(1, bool))
    assert const.ref_counts.tolist() == [0, 10, 0] and cp.counts.tolist() == [[1, 2, 1]]


def _cat_score(name, ref_codes, k, chunk_codes, leave_out=False):
    prof = categorical_profile(ref_codes, tuple(range(k)))
    cp = categorical_chunks(prof, chunk_codes, [(0, len(chunk_codes))], np.array([leave_out]))
    return UNIVARIATE_METHODS.get(name)().fit(prof).score(cp), prof, cp


@pytest.mark.parametrize("k", [2, 3, 6])
def test_chi2_equals_scipy_chi2_contingency(k):
    rng = np.random.default_rng(k)
    for trial in range(30):
        ref = rng.integers(0, k, 300).astype(np.int32)
        chunk = rng.integers(0, k + 2, 80).astype(np.int32)  # includes unseen (k) and missing (k+1)
        if trial % 3 == 0:
            chunk[chunk == k] = 0  # sometimes no unseen bucket at all
        out, prof, cp = _cat_score("chi2", ref, k, chunk)
        table = np.vstack([prof.ref_counts, cp.counts[0]])
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            assert out["statistic"][0] == 0 and out["p_value"][0] == 1
            continue
        res = stats.chi2_contingency(table)
        assert out["statistic"][0] == pytest.approx(res.statistic, rel=1e-12, abs=1e-12)
        assert out["p_value"][0] == pytest.approx(res.pvalue, rel=1e-10, abs=1e-14)


def test_categorical_distances_against_definitions():
    ref = np.array([0] * 50 + [1] * 30 + [2] * 20, dtype=np.int32)
    chunk = np.array([0] * 20 + [1] * 10 + [2] * 5 + [3] * 5 + [4] * 7, dtype=np.int32)  # 5 unseen, 7 missing
    p = np.array([0.5, 0.3, 0.2, 0.0])
    q = np.array([20, 10, 5, 5]) / 40
    js, _, cp = _cat_score("jensen_shannon", ref, 3, chunk)
    assert cp.sizes[0] == 40  # missing values left out
    assert js["distance"][0] == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)
    h, _, _ = _cat_score("hellinger", ref, 3, chunk)
    assert h["distance"][0] == pytest.approx(np.sqrt(1 - np.sum(np.sqrt(p * q))), abs=1e-12)
    linf, _, _ = _cat_score("l_infinity", ref, 3, chunk)
    assert linf["distance"][0] == pytest.approx(0.125, abs=1e-12)
    psi, _, _ = _cat_score("psi", ref, 3, chunk)
    pf, qf = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
    assert psi["distance"][0] == pytest.approx(np.sum((qf - pf) * np.log(qf / pf)), abs=1e-12)


# --- properties -----------------------------------------------------------------------------

floats = st.lists(st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 1)), min_size=1, max_size=60)
CONTINUOUS = [n for n, c in UNIVARIATE_METHODS.items() if "continuous" in c.kinds]
CATEGORICAL = [n for n, c in UNIVARIATE_METHODS.items() if "categorical" in c.kinds]


@settings(max_examples=60, deadline=None)
@given(x=floats)
def test_identical_samples_give_zero(x):
    x = np.array(x)
    for name in CONTINUOUS:
        out = _score(name, x, [x])
        cls = UNIVARIATE_METHODS.get(name)
        assert out[cls.metric][0] == pytest.approx(0.0, abs=1e-9), name


@settings(max_examples=60, deadline=None)
@given(x=floats, y=floats, seed=st.integers(0, 2**16))
def test_bounds_symmetry_and_row_order(x, y, seed):
    x, y = np.array(x), np.array(y)
    rng = np.random.default_rng(seed)
    for name in CONTINUOUS:
        cls = UNIVARIATE_METHODS.get(name)
        out = _score(name, x, [y])
        shuffled = _score(name, rng.permutation(x), [rng.permutation(y)])
        for metric in cls.metrics:
            lo, hi = cls.value_range[metric]
            v = out[metric][0]
            assert lo is None or v >= lo - 1e-12
            assert hi is None or v <= hi + 1e-12
            assert shuffled[metric][0] == pytest.approx(v, rel=1e-12, abs=1e-12), (name, metric)
    for name in ("kolmogorov_smirnov",):  # symmetric by definition (binned methods use reference bins)
        assert _score(name, x, [y])["statistic"][0] == pytest.approx(_score(name, y, [x])["statistic"][0], abs=1e-12)
    assert _score("wasserstein", x, [y])["distance"][0] == pytest.approx(
        _score("wasserstein", y, [x])["distance"][0], rel=1e-9, abs=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(a=st.lists(st.integers(0, 4), min_size=1, max_size=50), b=st.lists(st.integers(0, 4), min_size=1, max_size=50))
def test_categorical_properties(a, b):
    k = 5
    a, b = np.array(a, np.int32), np.array(b, np.int32)
    for name in CATEGORICAL:
        cls = UNIVARIATE_METHODS.get(name)
        same, _, _ = _cat_score(name, a, k, a)
        assert same[cls.metric][0] == pytest.approx(0.0, abs=1e-12)
        ab, _, _ = _cat_score(name, a, k, b)
        ba, _, _ = _cat_score(name, b, k, a)
        perm, _, _ = _cat_score(name, a[::-1], k, b[::-1])
        for metric in cls.metrics:
            lo, hi = cls.value_range[metric]
            assert lo is None or ab[metric][0] >= lo - 1e-12
            assert hi is None or ab[metric][0] <= hi + 1e-12
            assert ab[metric][0] == pytest.approx(ba[metric][0], rel=1e-9, abs=1e-12), (name, metric)
            assert perm[metric][0] == pytest.approx(ab[metric][0], rel=1e-12, abs=1e-12)


def test_empty_chunk_and_empty_reference_give_nan():
    out = _score("kolmogorov_smirnov", np.array([np.nan, np.nan]), [np.array([1.0, 2.0])])
    assert np.isnan(out["statistic"][0])
    out = _score("jensen_shannon", np.array([1.0, 2.0]), [np.array([np.nan])])
    assert np.isnan(out["distance"][0])


def test_chunk_profile_needs_a_fitted_method():
    from reportgen.errors import NotFittedError

    prof = categorical_profile(np.array([0, 1], np.int32), (0, 1))
    cp = ChunkProfile(prof, np.array([2]), np.array([False]), np.array([[1, 1, 0]]))
    with pytest.raises(NotFittedError, match="LInfinity is not fitted"):
        UNIVARIATE_METHODS.get("l_infinity")().score(cp)


def test_heavy_ties_rank_each_distinct_value_once_and_stay_exact():
    """Chunks with few distinct values take the one-search-per-distinct-value path; still equal scipy."""
    rng = np.random.default_rng(11)
    ref = rng.integers(0, 12, 3000).astype(float)
    ref[rng.random(ref.size) < 0.05] = np.nan
    chunks = [rng.integers(-2, 10, 500).astype(float) + 0.5 * (i == 2) for i in range(4)]
    chunks[1][::7] = np.nan
    ks = _score("kolmogorov_smirnov", ref, chunks)
    w = _score("wasserstein", ref, chunks)
    r = ref[~np.isnan(ref)]
    for i, c in enumerate(chunks):
        c = c[~np.isnan(c)]
        assert ks["statistic"][i] == pytest.approx(stats.ks_2samp(r, c).statistic, abs=1e-12)
        assert w["distance"][i] == pytest.approx(stats.wasserstein_distance(r, c), rel=1e-12, abs=1e-12)


def test_chunk_order_stats_equal_numpy_after_sorting_chunks():
    """min / max / median read off the sorted chunks equal numpy's; kept in a Dataset memo under the
    column's name, they are found only for the same column and bounds."""
    rng = np.random.default_rng(5)
    values = rng.normal(size=1000)
    values[rng.random(values.size) < 0.2] = np.nan
    values[300:400] = np.nan  # an all-missing chunk
    bounds = [(0, 101), (101, 300), (300, 400), (400, 1000)]
    memo: dict = {}
    assert M.chunk_order_stats(memo, "x", bounds) is None
    prof = M.continuous_profile(rng.normal(size=500))
    M.remember_order_stats(memo, "x", bounds, continuous_chunks(prof, values, bounds, np.zeros(len(bounds), bool)))
    mins, maxs, meds = M.chunk_order_stats(memo, "x", bounds)
    for i, (s, e) in enumerate(bounds):
        x = values[s:e][~np.isnan(values[s:e])]
        if x.size == 0:
            assert np.isnan(mins[i]) and np.isnan(maxs[i]) and np.isnan(meds[i])
        else:
            assert (mins[i], maxs[i], meds[i]) == (x.min(), x.max(), np.median(x))
    assert M.chunk_order_stats(memo, "x", bounds[:2]) is None
    assert M.chunk_order_stats(memo, "y", bounds) is None


@pytest.mark.parametrize("integers", [False, True])
@pytest.mark.parametrize("levels", [1, 2, 7, 60])
def test_discrete_columns_counted_equal_the_sorted_path(levels, integers, monkeypatch):
    """Few distinct reference values: counting gives the sorted path's KS, W1, buckets and order stats;
    chunks holding values the reference never had (and empty or all-missing ones) still come out right."""
    rng = np.random.default_rng(levels)
    grid = np.round(rng.normal(size=levels) * (300 if integers else 3), 0 if integers else 2)
    ref = rng.choice(grid, 700)
    ref[rng.random(ref.size) < 0.05] = np.nan
    sizes = [40, 1, 0, 90, 33, 60, 25]
    chunks = [rng.choice(grid, m) for m in sizes]
    chunks[3][5] = 99.5  # a value the reference never had
    chunks[3][8] = grid.max() + 1.0  # an integer the reference never had
    chunks[4][:] = np.nan
    chunks[5][rng.random(60) < 0.3] = np.nan
    chunks[6] = chunks[6] + 0.001 * (levels > 1)  # every value foreign (unless the grid is one point)
    values = np.concatenate(chunks)
    bounds = _bounds(sizes)

    def profile_of(force_sort):
        monkeypatch.setattr(profiles, "DISCRETE_MAX", 0 if force_sort else 1024)
        prof = continuous_profile(ref)
        assert (prof.distinct is None) == force_sort
        cp = continuous_chunks(prof, values, bounds, np.zeros(len(sizes), bool))
        return cp, cp.order

    (fast, fast_order), (slow, slow_order) = profile_of(False), profile_of(True)
    np.testing.assert_array_equal(fast.sizes, slow.sizes)
    np.testing.assert_array_equal(fast.counts, slow.counts)
    np.testing.assert_array_equal(fast.plot_counts, slow.plot_counts)
    np.testing.assert_allclose(fast.ks, slow.ks, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fast.w, slow.w, rtol=1e-12, atol=1e-15)
    for a, b in zip(fast_order, slow_order):
        np.testing.assert_array_equal(a, b)
    r = ref[~np.isnan(ref)]
    for i, c in enumerate(chunks):
        c = c[~np.isnan(c)]
        if c.size:
            assert fast.ks[i] == pytest.approx(stats.ks_2samp(r, c).statistic, abs=1e-12)
            assert fast.w[i] == pytest.approx(stats.wasserstein_distance(r, c), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("ties", [False, True])
def test_reference_samples_are_scored_exactly_against_the_rest(ties):
    """Calibration samples are reference values: KS and W1 equal scipy's for the sample against
    the reference without it (the left limit counts the sample's own value in F_ref)."""
    rng = np.random.default_rng(11 + ties)
    ref = rng.integers(0, 30, 400).astype(float) if ties else rng.normal(size=400)
    prof = continuous_profile(ref)
    positions = np.array([np.sort(rng.choice(400, 50, replace=False)) for _ in range(6)])
    cp = M.sample_chunks(prof, positions)
    ks = UNIVARIATE_METHODS.get("kolmogorov_smirnov")().fit(prof).score(cp)["statistic"]
    w = UNIVARIATE_METHODS.get("wasserstein")().fit(prof).score(cp)["distance"]
    for i, pos in enumerate(positions):
        sample, rest = prof.sorted[pos], np.delete(prof.sorted, pos)
        assert ks[i] == pytest.approx(stats.ks_2samp(rest, sample).statistic, abs=1e-12)
        assert w[i] == pytest.approx(stats.wasserstein_distance(rest, sample), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("ties", [False, True])
def test_reference_chunks_from_one_argsort_equal_sorting_each_chunk(ties, monkeypatch):
    """profile_with_chunks (positions grouped by chunk) gives what continuous_profile +
    continuous_chunks give: same profile, same chunk sizes, buckets, KS, W1 and order statistics."""
    monkeypatch.setattr(profiles, "DISCRETE_MAX", 0)  # the counting path is tested on its own
    monkeypatch.setattr(chunk_profiles, "BLOCK", 100)  # several blocks
    rng = np.random.default_rng(3 + ties)
    ref = np.round(rng.normal(size=1000), 1) if ties else rng.normal(size=1000)
    ref[rng.random(1000) < 0.1] = np.nan
    ref[200:260] = np.nan  # an all-missing chunk
    bounds = [(0, 150), (150, 200), (200, 260), (260, 700), (700, 950)]  # rows 950.. in no chunk
    prof, cp = M.profile_with_chunks(ref, bounds)
    expect_prof = continuous_profile(ref)
    expect = continuous_chunks(expect_prof, ref, bounds, np.ones(len(bounds), bool))
    np.testing.assert_array_equal(prof.sorted, expect_prof.sorted)
    np.testing.assert_array_equal(cp.sizes, expect.sizes)
    np.testing.assert_array_equal(cp.counts, expect.counts)
    np.testing.assert_array_equal(cp.plot_counts, expect.plot_counts)
    np.testing.assert_allclose(cp.ks, expect.ks, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cp.w, expect.w, rtol=1e-12, atol=1e-15)
    assert cp.leave_out.all()
    np.testing.assert_array_equal(cp.order, expect.order)
