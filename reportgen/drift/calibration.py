"""Thresholds calibrated on the reference's own sampling noise (the `reference_quantile` rule).

For a method, a column and a chunk size m, draw many random samples of m values from the reference,
score each against the reference with that sample left out, and take the (1 - alpha) quantile of
those null scores on the side that means "worse". A chunk's value is then judged against what
chance alone produces at its size, however few reference chunks there are.

Shareable by any detector (univariate methods here, PCA and domain classifier elsewhere):
`NullDistribution(scores, direction)` gives `bounds(alpha)`, `p_values(values)`, `describe(value)`;
`benjamini_hochberg(p, q)` controls the false discovery rate over many tests; `sample_positions`
draws seeded, sorted samples without replacement; `size_key` groups nearly equal chunk sizes so
the null distribution is computed once per size.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from reportgen.thresholds import Direction, monte_carlo_bounds

SAMPLES_COUNTS = 2000  # null samples for bucket-count methods (multivariate hypergeometric: cheap)
SORTED_VALUES_BUDGET = 400_000  # sampled values per column and size for exact KS / Wasserstein
MIN_SORTED_SAMPLES = 200
MAX_SORTED_SAMPLES = 1000
MAX_SAMPLE_SIZE = 2000  # larger chunks: calibrate at this size and rescale by sqrt(effective size)
MAX_SHARE = 0.5  # a chunk may be at most this share of the reference to be calibrated by sampling
SIZE_GRID = 1.02  # chunk sizes within 2% share one null distribution


def seed_for(*parts: object) -> int:
    """A stable 32-bit seed from text parts (Python's hash() is salted per process)."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))


def size_key(m: int) -> int:
    """The representative size of a grid cell (ratio SIZE_GRID) holding chunk size m."""
    if m <= 50:
        return int(m)
    step = np.log(SIZE_GRID)
    return int(round(np.exp(round(np.log(m) / step) * step)))


def sorted_sample_count(m: int, requested: int | None = None) -> int:
    """How many samples of m sorted values to draw: the request, or a budget of values."""
    if requested:
        return int(requested)
    return int(np.clip(SORTED_VALUES_BUDGET // max(m, 1), MIN_SORTED_SAMPLES, MAX_SORTED_SAMPLES))


def sample_positions(n: int, m: int, samples: int, seed: int) -> np.ndarray:
    """(samples, m) sorted positions drawn without replacement from range(n), seeded."""
    rng = np.random.default_rng(seed)
    out = np.empty((samples, m), dtype=np.int64)
    for i in range(samples):
        out[i] = rng.choice(n, size=m, replace=False, shuffle=False)
    out.sort(axis=1)
    return out


def hypergeometric_counts(ref_counts: np.ndarray, m: int, samples: int, seed: int) -> np.ndarray:
    """(samples, buckets) counts of m values drawn without replacement from bucketed reference."""
    rng = np.random.default_rng(seed)
    colors = np.asarray(ref_counts, dtype=np.int64)
    if colors.sum() == 0:
        return np.zeros((samples, colors.size), np.int64)
    return rng.multivariate_hypergeometric(colors, m, size=samples, method="marginals")


def can_calibrate(m: int, n: int) -> bool:
    """Samples of m values can be left out of n reference values (m at most MAX_SHARE of n)."""
    return 0 < m <= MAX_SHARE * n and n >= 2


@dataclass(frozen=True)
class NullDistribution:
    """Scores of same-size reference samples under "no drift", sorted; the yardstick of a chunk.

    Parameters
    ----------
    scores:
        Null scores (any order; NaN dropped).
    direction:
        Which side means worse: higher_is_worse (distances), lower_is_worse (p-values, AUC drops).
    size:
        The chunk size the samples had (for the report's explanation).
    """

    scores: np.ndarray
    direction: Direction = "higher_is_worse"
    size: int = 0
    sampled_size: int = 0  # when smaller than size: samples of this size, rescaled to `size`

    @classmethod
    def of(
        cls, scores: np.ndarray, direction: Direction = "higher_is_worse", size: int = 0, sampled_size: int = 0
    ) -> NullDistribution:
        """Build from raw scores: NaN dropped, sorted ascending."""
        s = np.asarray(scores, dtype=np.float64)
        return cls(np.sort(s[np.isfinite(s)]), direction, size, sampled_size)

    @property
    def n(self) -> int:
        return int(self.scores.size)

    def bounds(self, alpha: float) -> tuple[float | None, float | None]:
        """Monte-Carlo (alpha, 1 - alpha) order statistics; the caller keeps the side that means worse."""
        if self.n == 0:
            return None, None
        return monte_carlo_bounds(self.scores, alpha)

    def p_values(self, values: np.ndarray) -> np.ndarray:
        """Share of null scores at least as bad as each value, (1 + k) / (S + 1).

        Beyond the top tenth of the null scores the tail is extrapolated with an exponential fitted
        to the exceedances (conservative for the light-tailed statistics used here), so values far
        outside the samples get small but honest p-values, usable by Benjamini-Hochberg.
        """
        v = np.asarray(values, dtype=np.float64)
        z = self.scores
        if self.direction == "lower_is_worse":
            v, z = -v, -z[::-1]
        s = z.size
        out = np.full(v.shape, np.nan)
        if s == 0:
            return out
        finite = np.isfinite(v) | np.isposinf(v)
        worse = s - np.searchsorted(z, v, side="left")  # null scores >= v
        emp = (1.0 + worse) / (s + 1.0)
        k_tail = max(min(s, 10), s // 10)
        u = z[s - k_tail]
        beta = float(np.mean(z[s - k_tail :] - u))
        with np.errstate(over="ignore", invalid="ignore"):
            if beta > 0:
                tail = (k_tail / (s + 1.0)) * np.exp(-(v - u) / beta)
            else:
                tail = np.where(v > u, 0.0, emp)
        p = np.where(v > u, np.minimum(emp, tail), emp)
        out[finite] = p[finite]
        return out

    def describe(self, value: float) -> str:
        """How unusual a value is, in words: 'above 99.6% of 500 same-size reference samples'."""
        if self.n == 0 or not np.isfinite(value):
            return ""
        if self.direction == "lower_is_worse":
            share = float(np.searchsorted(self.scores, value, side="right")) / self.n
            better, word = 1.0 - share, "below"
        else:
            better = float(np.searchsorted(self.scores, value, side="left")) / self.n
            word = "above"
        size = f" of {self.size:,} rows" if self.size else ""
        if self.sampled_size and self.size and self.sampled_size < self.size:
            size = f" of {self.sampled_size:,} rows rescaled to {self.size:,}"
        if better >= 1.0:
            p = float(self.p_values(np.array([value]))[0])
            return f"{word} all {self.n:,} random reference samples{size} (tail estimate p ≈ {p:.1g})"
        return f"{word} {_pct(better)} of {self.n:,} random reference samples{size}"


def _pct(share: float) -> str:
    pct = 100.0 * share
    if pct >= 99.0:
        return f"{min(pct, 99.99):.2f}".rstrip("0").rstrip(".") + "%"
    return f"{pct:.0f}%"


def benjamini_hochberg(p_values: np.ndarray, q: float) -> np.ndarray:
    """Rejections of the Benjamini-Hochberg step-up procedure at false discovery rate q (NaN: never)."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.zeros(p.shape, dtype=bool)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order]
    limits = q * np.arange(1, ranked.size + 1) / ranked.size
    passed = np.flatnonzero(ranked <= limits)
    if passed.size:
        out[order[: passed[-1] + 1]] = True
    return out


def effective_size(m: float, n: float) -> float:
    """m (n - m) / n: the two-sample size of a left-out sample of m among n values."""
    return m * (n - m) / n if n > 0 else 0.0
