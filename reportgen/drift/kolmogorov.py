"""Two-sided Kolmogorov-Smirnov p-values for many chunks at once, fast at any sample size.

scipy's `kstwo.sf(d, n)` (what `ks_2samp(method="asymp")` returns, with n the effective size
m n / (m + n)) runs a Python loop per value and, in the tail (n d^2 >= 2.2), sums n terms of the exact
one-sided Smirnov distribution: 30 ms per value at n = 45,000, 1 s at n = 1,000,000. Both
formulas are approximations of the two-sample p-value, so for large effective sizes we use the
Pelz-Good (1976) expansion of the Kolmogorov distribution with its 1/sqrt(n), 1/n and 1/n^1.5
terms, evaluated for all chunks in one vectorised pass; it agrees with scipy within 1e-7 there.
Small effective sizes keep scipy's value exactly.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

SCIPY_MAX_N = 2_000  # up to this effective size scipy's kstwo.sf is cheap and used as is
_TERMS = 24  # series terms: (2k-1)^2 pi^2 / (8 z^2) > 37 for z < 4.3 long before k = 24
_TAIL_P = 1e-6  # below this, the complement 1 - cdf has lost relative precision
_PI2 = np.pi**2


def pelz_good_cdf(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """P(D_n <= d) by the Pelz-Good expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5 (z = d sqrt(n)).

    The K_i are the Li-Chien / Korolyuk correction terms written with Jacobi theta functions so
    that the series converge fast for the z < 4.3 where the result is below 1 - 1e-16.
    """
    n = np.asarray(n, dtype=np.float64)
    z = np.sqrt(n) * np.asarray(d, dtype=np.float64)
    out = np.zeros(z.shape)
    ok = (z > 0.05) & (z < 4.3)
    out[z >= 4.3] = 1.0
    if not ok.any():
        return out
    z, n = z[ok][:, None], n[ok][:, None]
    z2 = z * z
    odd2 = ((2.0 * np.arange(1, _TERMS + 1) - 1.0) ** 2)[None, :]  # (2k-1)^2 = 4 (k - 1/2)^2
    a = _PI2 * odd2 / 4.0  # pi^2 (k - 1/2)^2
    e_odd = np.exp(-a / (2.0 * z2))
    k2 = (np.arange(1, _TERMS + 1, dtype=np.float64) ** 2)[None, :]
    b = _PI2 * k2  # pi^2 k^2
    e_all = np.exp(-b / (2.0 * z2))
    c = np.sqrt(np.pi / 2.0)
    k0 = (2.0 * c / z) * e_odd.sum(axis=1, keepdims=True)
    k1 = c / (6.0 * z**4) * ((a - z2) * e_odd).sum(axis=1, keepdims=True) * 2.0
    z4, z6 = z2 * z2, z2 * z2 * z2
    k2_odd = (6.0 * z6 + 2.0 * z4) + a * (2.0 * z4 - 5.0 * z2) + a * a * (1.0 - 2.0 * z2)
    k2t = c / (72.0 * z**7) * (k2_odd * e_odd).sum(axis=1, keepdims=True) * 2.0
    k2t -= c / (36.0 * z**3) * (b * e_all).sum(axis=1, keepdims=True) * 2.0
    k3_odd = (
        a**3 * (5.0 - 30.0 * z2)
        + a * a * (212.0 * z4 - 60.0 * z2)
        + a * (135.0 * z4 - 96.0 * z6)
        - (30.0 * z6 + 90.0 * z4 * z4)
    )
    k3t = c / (6480.0 * z**10) * (k3_odd * e_odd).sum(axis=1, keepdims=True) * 2.0
    k3t += c / (216.0 * z**6) * ((3.0 * b * z2 - b * b) * e_all).sum(axis=1, keepdims=True) * 2.0
    root = np.sqrt(n)
    out[ok] = (k0 + k1 / root + k2t / n + k3t / (n * root))[:, 0]
    return np.clip(out, 0.0, 1.0)


def ks_sf(d: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p-value P(D_n >= d) per element, n the (rounded) effective sample size.

    n <= SCIPY_MAX_N: scipy's kstwo.sf exactly. Larger n: 1 - Pelz-Good, and below p = 1e-6 the
    limiting Kolmogorov tail with Stephens' finite-n correction (relative error of a few percent,
    where 1 - cdf would have none left).
    """
    d = np.asarray(d, dtype=np.float64)
    n = np.broadcast_to(np.asarray(n, dtype=np.float64), d.shape)
    out = np.full(d.shape, np.nan)
    valid = np.isfinite(d) & np.isfinite(n) & (n >= 1)
    small = valid & (n <= SCIPY_MAX_N)
    if small.any():
        out[small] = stats.kstwo.sf(d[small], n[small])
    large = valid & ~small
    if large.any():
        dl, nl = np.clip(d[large], 0.0, 1.0), n[large]
        p = 1.0 - pelz_good_cdf(nl, dl)
        root = np.sqrt(nl)
        tail = special.kolmogorov((root + 0.12 + 0.11 / root) * dl)
        out[large] = np.where(p < _TAIL_P, np.minimum(tail, _TAIL_P), p)
    return np.clip(out, 0.0, 1.0)
