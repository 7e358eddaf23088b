"""Concept-drift attribution: which features' relationship with the target changed.

Under concept drift the inputs keep their distribution, so drift statistics cannot name the features
involved. The model's residuals can: where the link between a feature and the target changed, the
mean residual moves differently in different bins of that feature. Per feature and bin we compare the
tested chunks' mean residual with the reference's (reportgen.resolution.residual_bins: mergeable
per-chunk sums, nothing re-read) and add up the squared, standard-error-scaled differences after
removing the shift all bins share: a chi-squared statistic with one degree of freedom per bin (minus
one), summed over classes for multiclass models. Comparing bin by bin, a feature that merely moved
into bins where the model always erred the same way shows no difference.

A feature correlated with a changed one shows part of its pattern too. So the test is conditional:
features are added one at a time (forward selection), the changes of those selected are fitted
jointly as an additive model over their bins (the bins' co-occurrence read from the reference), and
a feature is named only when its own pattern stays significant after removing what the selected
features explain through it. Every p-value is calibrated on the reference like every other
threshold: blocks of reference chunks as large as the tested rows, each compared with the rest, give
the structural swing per row that the reference itself shows (a quasi-likelihood scale of the
chi-squared), and the Benjamini-Hochberg procedure runs over the features tested at each step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from reportgen.resolution.residual_bins import BinMoments, ChunkSums, ResidualProfile, merge

MIN_ROWS = 30
MIN_BIN_ROWS = 10
ALPHA = 1e-3
RELATIVE = 1 / 3  # a feature is named only when its change is at least this share of the strongest one's


@dataclass(frozen=True)
class FeatureShift:
    """How strongly one feature's link with the target changed (chi-squared on binned residuals)."""

    feature: str
    statistic: float
    dof: int
    p_value: float
    rows: int = 0
    scale: float = 1.0  # the reference's own swing: the statistic's expected size over dof under no change

    @property
    def excess(self) -> float:
        """Calibrated statistic beyond its degrees of freedom: the residual variation the feature explains."""
        return max(self.statistic / self.scale - self.dof, 0.0)

    @property
    def log_p(self) -> float:
        """Natural log of the calibrated p-value (finite where the p-value underflows)."""
        return float(stats.chi2.logsf(self.statistic / self.scale, self.dof))


@dataclass(frozen=True)
class BinDelta:
    """One feature and output column: the bins compared, their change in mean residual and its precision."""

    used: np.ndarray  # indices of bins with enough rows on both sides
    delta: np.ndarray
    weight: np.ndarray


def bin_deltas(base: BinMoments, test: BinMoments) -> list[BinDelta]:
    """Per output column, the change of the mean residual per bin (test minus base) and 1 / its variance."""
    out = []
    n_b, n_t = base.count, test.count
    use = np.flatnonzero((n_b >= MIN_BIN_ROWS) & (n_t >= MIN_BIN_ROWS))
    for k in range(base.total.shape[0]):
        m_b = base.total[k, use] / n_b[use]
        m_t = test.total[k, use] / n_t[use]
        v_b = np.maximum(base.squares[k, use] / n_b[use] - m_b**2, 1e-12)
        v_t = np.maximum(test.squares[k, use] / n_t[use] - m_t**2, 1e-12)
        out.append(BinDelta(use, m_t - m_b, 1.0 / (v_t / n_t[use] + v_b / n_b[use])))
    return out


class Comparison:
    """Tested rows against a baseline: every feature's bin deltas and the conditional statistics."""

    def __init__(self, profile: ResidualProfile, base: ChunkSums, test: ChunkSums) -> None:
        self.profile = profile
        self.deltas = [bin_deltas(base[b.name], test[b.name]) for b in profile.plan]
        self.rows = int(max((test[b.name].count.sum() for b in profile.plan), default=0))
        self._fits: dict[tuple[int, ...], list[dict[int, np.ndarray]]] = {}

    def statistic(self, k: int, given: Sequence[int]) -> tuple[float, int]:
        """Chi-squared of feature k's bin pattern left after the fitted changes of `given` (k excluded)."""
        given = tuple(sorted(j for j in given if j != k))
        fits = self._fit(given)
        stat, dof = 0.0, 0
        for c, d in enumerate(self.deltas[k]):
            if d.used.size < 2:
                continue
            rest = d.delta - self._predicted(k, c, d.used, fits[c])
            mean = float((d.weight * rest).sum() / d.weight.sum())  # the shift every bin shares
            stat += float((d.weight * (rest - mean) ** 2).sum())
            dof += d.used.size - 1
        return stat, dof

    def _predicted(self, k: int, c: int, bins: np.ndarray, fit: dict[int, np.ndarray]) -> np.ndarray:
        """What the fitted changes of other features imply for the mean residual in feature k's bins."""
        out = np.zeros(bins.size)
        for j, gamma in fit.items():
            if j != k and gamma.size:
                out += self.profile.conditional(k, j)[np.ix_(bins, self.deltas[j][c].used)] @ gamma
        return out

    def _fit(self, given: tuple[int, ...]) -> list[dict[int, np.ndarray]]:
        """Per output column, the additive change over the bins of `given` (weighted least squares)."""
        if given not in self._fits:
            self._fits[given] = [self._fit_column(given, c) for c in range(len(self.deltas[0]) if self.deltas else 0)]
        return self._fits[given]

    def _fit_column(self, given: tuple[int, ...], c: int) -> dict[int, np.ndarray]:
        if not given:
            return {}
        used = {j: self.deltas[j][c].used for j in given}
        offsets = np.cumsum([0] + [used[j].size for j in given])
        design, target, weight = [], [], []
        for j in given:
            d = self.deltas[j][c]
            block = np.zeros((d.used.size, offsets[-1] + 1))
            block[:, -1] = 1.0  # the shift every bin shares
            for i, start in zip(given, offsets):
                if i == j:
                    block[:, start : start + d.used.size] += np.eye(d.used.size)
                elif used[i].size:
                    block[:, start : start + used[i].size] += self.profile.conditional(j, i)[np.ix_(d.used, used[i])]
            design.append(block)
            target.append(d.delta)
            weight.append(d.weight)
        root = np.sqrt(np.concatenate(weight))
        coef = np.linalg.lstsq(np.vstack(design) * root[:, None], np.concatenate(target) * root, rcond=None)[0]
        return {j: coef[start : start + used[j].size] for j, start in zip(given, offsets)}


def reference_blocks(profile: ResidualProfile, rows: int) -> list[tuple[ChunkSums, ChunkSums, int]]:
    """(rest of the reference, block, block rows) for runs of consecutive reference chunks about `rows` large.

    A block holds at most a quarter of the reference chunks, so each is compared with a larger rest.
    """
    n = len(profile.reference_chunks)
    if n < 2:
        return []
    sizes = np.asarray(profile.reference_chunk_rows, dtype=float)
    per_chunk = max(float(sizes.mean()), 1.0)
    width = int(min(max(round(rows / per_chunk), 1), max(n // 4, 1)))
    out = []
    for start in range(0, n - width + 1, width):
        inside = range(start, start + width)
        block = merge(profile.reference_chunks[i] for i in inside)
        rest = merge(profile.reference_chunks[i] for i in range(n) if i not in inside)
        out.append((rest, block, int(sizes[start : start + width].sum())))
    return out


class Calibrated:
    """The tested comparison with the reference blocks' comparisons: calibrated p-values."""

    def __init__(self, profile: ResidualProfile, tested: ChunkSums) -> None:
        reference = merge(profile.reference_chunks)
        self.tested = Comparison(profile, reference, tested)
        self.blocks = [
            Comparison(profile, rest, block) for rest, block, _ in reference_blocks(profile, self.tested.rows)
        ]

    def shift(self, name: str, k: int, given: Sequence[int]) -> FeatureShift | None:
        """Feature k's conditional statistic and its p-value against the reference's own swing."""
        stat, dof = self.tested.statistic(k, given)
        if dof == 0:
            return None
        scale = 1.0 + self.tested.rows * self.swing(k, given) / dof
        return FeatureShift(name, stat, dof, float(stats.chi2.sf(stat / scale, dof)), self.tested.rows, scale)

    def swing(self, k: int, given: Sequence[int]) -> float:
        """Structural swing per row of feature k's statistic between reference blocks, beyond sampling noise.

        The blocks' mean excess over their degrees of freedom, less two standard errors of that mean
        under pure noise (a chi-squared's variance is twice its dof): a swing the blocks show only by
        chance is not counted (the scale of a quasi-likelihood chi-squared).
        """
        excess, noise = [], []
        for block in self.blocks:
            s, d = block.statistic(k, given)
            if d > 0:
                rows = max(block.rows, 1)
                excess.append((s - d) / rows)
                noise.append(2.0 * d / rows**2)
        if not excess:
            return 0.0
        return max(float(np.mean(excess)) - 2.0 * float(np.sqrt(np.sum(noise))) / len(excess), 0.0)


def benjamini_hochberg(p_values: list[float], alpha: float) -> list[bool]:
    """Which hypotheses the Benjamini-Hochberg step-up procedure rejects at false-discovery rate alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cut = 0
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= alpha * rank / m:
            cut = rank
    rejected = [False] * m
    for i in order[:cut]:
        rejected[i] = True
    return rejected


def select(calibrated: Calibrated, names: list[str], alpha: float) -> list[int]:
    """Forward selection: add the most significant feature still significant given those selected; then
    drop any selected feature the others explain."""
    chosen: list[int] = []
    while True:
        left = [k for k in range(len(names)) if k not in chosen]
        shifts = [(k, calibrated.shift(names[k], k, chosen)) for k in left]
        tested = [(k, s) for k, s in shifts if s is not None]
        if not tested:
            break
        keep = benjamini_hochberg([s.p_value for _, s in tested], alpha)
        passing = [(k, s) for (k, s), ok in zip(tested, keep) if ok]
        if not passing:
            break
        chosen.append(min(passing, key=lambda ks: (ks[1].log_p, names[ks[0]]))[0])  # the most significant
    while len(chosen) > 1:
        given = [calibrated.shift(names[k], k, chosen) for k in chosen]
        keep = benjamini_hochberg([s.p_value if s else 1.0 for s in given], alpha)
        if all(keep):
            break
        log_p = [s.log_p if s else 0.0 for s in given]
        chosen.pop(max((i for i, ok in enumerate(keep) if not ok), key=lambda i: log_p[i]))
    return chosen


def attribute(profile: ResidualProfile, tested: ChunkSums, *, alpha: float = ALPHA) -> list[FeatureShift]:
    """Features whose link with the target changed in the tested sums, strongest first (see the module doc)."""
    names = profile.names
    if not names or not tested or max(tested[n].count.sum() for n in names) < MIN_ROWS:
        return []
    calibrated = Calibrated(profile, tested)
    chosen = select(calibrated, names, alpha)
    found = [s for k in chosen if (s := calibrated.shift(names[k], k, chosen)) is not None]
    found.sort(key=lambda s: (-s.excess, s.feature))
    if not found:
        return []
    best = found[0].excess
    return [s for s in found if s.excess >= best * RELATIVE]


def concept_features(
    profile: ResidualProfile | None, chunk_indices: Iterable[int], *, alpha: float = ALPHA
) -> list[FeatureShift]:
    """Features whose link with the target changed in the given analysis chunks, strongest first.

    Only features significant at false-discovery rate `alpha` given the others named, beyond what
    reference chunks show, and at least a third as strong as the strongest; empty without targets.
    """
    if profile is None:
        return []
    return attribute(profile, profile.analysis(chunk_indices), alpha=alpha)
