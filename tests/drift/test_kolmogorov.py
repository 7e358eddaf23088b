"""Fast two-sided KS p-values: scipy's value for small samples, Pelz-Good within 1e-7 above."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from reportgen.drift.kolmogorov import SCIPY_MAX_N, ks_sf, pelz_good_cdf


def test_small_effective_sizes_are_scipys_value_exactly():
    rng = np.random.default_rng(0)
    n = rng.integers(1, SCIPY_MAX_N + 1, 200).astype(float)
    d = rng.random(200) * 3 / np.sqrt(n)
    np.testing.assert_array_equal(ks_sf(d, n), np.clip(stats.kstwo.sf(d, n), 0, 1))


@pytest.mark.parametrize("n", [SCIPY_MAX_N + 1, 10_000, 45_000, 250_000])
def test_large_sizes_agree_with_scipy_in_the_body_and_the_tail(n):
    z2 = np.linspace(0.01, 12.0, 120)  # n d^2: p from 1 down to about 1e-10
    d = np.sqrt(z2 / n)
    expect = stats.kstwo.sf(d, n)
    got = ks_sf(d, np.full(d.size, float(n)))
    assert np.abs(got - expect).max() < 1e-7
    body = expect > 1e-4
    assert np.abs(got[body] / expect[body] - 1).max() < 1e-5
    tail = (expect > 1e-12) & ~body
    assert np.abs(got[tail] / expect[tail] - 1).max() < 0.1  # a few percent where 1 - cdf has no digits left


def test_pelz_good_matches_the_kolmogorov_limit_for_huge_n():
    from scipy import special

    z = np.linspace(0.2, 3.0, 30)
    n = np.full(z.size, 1e16)  # the correction terms shrink as 1/sqrt(n)
    np.testing.assert_allclose(pelz_good_cdf(n, z / np.sqrt(n)), 1 - special.kolmogorov(z), atol=1e-8)


def test_edges_zero_one_and_missing():
    p = ks_sf(np.array([0.0, 1.0, np.nan, 0.5]), np.array([50_000.0, 50_000.0, 50_000.0, np.nan]))
    assert p[0] == 1.0 and p[1] == 0.0 and np.isnan(p[2]) and np.isnan(p[3])


@settings(max_examples=60, deadline=None)
@given(st.floats(2_001, 5e6), st.lists(st.floats(0, 1), min_size=2, max_size=20))
def test_p_values_are_probabilities_falling_with_d(n, ds):
    d = np.sort(np.array(ds))
    p = ks_sf(d, np.full(d.size, n))
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p) <= 1e-12).all()
