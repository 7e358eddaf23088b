"""Trust of a chunk's estimates from its density ratio to the reference, with cut-offs set on reference chunks.

Two measures of the reference-vs-chunk classifier (reportgen.performance.density_ratio) say how far
the chunk lies from what the reference can vouch for: the effective sample size of the importance
weights (Kish; few held-out reference rows resemble the chunk when it is small) and the share of the
chunk's rows whose density ratio exceeds SPARSE_RATIO (rows where the reference is sparse). Their
cut-offs come from the reference's own chunks, which are trustworthy by definition: a chunk is
`thin` when its effective share is under THIN_FACTOR times the smallest of the reference chunks',
`sparse` when its sparse share exceeds the reference chunks' largest by SPARSE_EXCESS; either makes
the chunk's trust `medium` (the worse of this and the support overlap of
reportgen.performance.overlap). Per metric, a thin chunk's trust is `low` when the importance-weighted
(doubly robust) estimate and the plain one differ by more than GAP_SE sampling errors: the reference
rows that resemble the chunk say the calibration / loss model does not hold where it lies. A thin
chunk alone is not low: on NannyML's car loan data every shifted chunk is thin and CBPE is right there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.performance.density_ratio import SPARSE_RATIO, ChunkRatio
from reportgen.performance.overlap import ChunkTrust
from reportgen.performance.sampling_error import Noise

THIN_FACTOR = 0.5
SPARSE_EXCESS = 0.3
GAP_SE = 1.0
LEVELS = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class RatioTrust:
    """One chunk's trust from its density ratio, and whether it is thin (the per-metric gap test applies)."""

    trust: ChunkTrust
    thin: bool


@dataclass(frozen=True)
class RatioCutoffs:
    """Cut-offs of the two density-ratio measures, learned on reference chunks."""

    thin_below: float
    sparse_above: float

    @classmethod
    def from_reference(cls, ess: np.ndarray, sparse: np.ndarray) -> RatioCutoffs:
        """From the reference chunks' effective sample shares and sparse shares."""
        ess, sparse = ess[np.isfinite(ess)], sparse[np.isfinite(sparse)]
        return cls(
            THIN_FACTOR * (float(ess.min()) if ess.size else 1.0),
            (float(sparse.max()) if sparse.size else 0.0) + SPARSE_EXCESS,
        )

    def assess(self, ratio: ChunkRatio) -> RatioTrust:
        """Trust of one chunk from its density ratio, with the reason when it is not high."""
        thin = bool(np.isfinite(ratio.ess_share) and ratio.ess_share < self.thin_below)
        reasons = []
        if thin:
            reasons.append(
                f"importance weights keep {ratio.ess_share:.0%} of the reference's effective rows "
                f"(reference chunks {self.thin_below / THIN_FACTOR:.0%} or more)"
            )
        if ratio.sparse_share > self.sparse_above:
            reasons.append(
                f"{ratio.sparse_share:.0%} of rows lie where the reference is over {SPARSE_RATIO:.0f}x sparser "
                f"(reference chunks {max(self.sparse_above - SPARSE_EXCESS, 0.0):.0%} at most)"
            )
        if not reasons:
            return RatioTrust(ChunkTrust("high", np.nan, None), False)
        return RatioTrust(ChunkTrust("medium", np.nan, "trust medium: " + " and ".join(reasons)), thin)


def worst(*trusts: ChunkTrust) -> ChunkTrust:
    """The lowest of the trust levels (the first one's share outside the support); every reason, joined."""
    level = max(trusts, key=lambda t: LEVELS[t.level]).level
    reasons = [t.reason.split(": ", 1)[1] if t.reason.startswith("trust ") else t.reason for t in trusts if t.reason]
    return ChunkTrust(level, trusts[0].share_outside, f"trust {level}: " + "; ".join(reasons) if reasons else None)


def per_metric(
    reported: Sequence[Any],
    plain: Sequence[Any],
    weighted: Sequence[Any],
    overlap: ChunkTrust,
    ratio: RatioTrust,
    noise: dict[Any, Noise],
) -> list[Any]:
    """The reported series of one chunk, each with its trust and reason appended to its note."""
    chunk = worst(overlap, ratio.trust)
    for out, a, b in zip(reported, plain, weighted):
        trust = chunk
        found = noise.get(out.key)
        gap = float(abs(b.values[0] - a.values[0]))
        if ratio.thin and found is not None and np.isfinite(found.sd) and found.sd > 0 and np.isfinite(gap):
            se = float(found.se(out.sizes)[0])
            if gap > GAP_SE * se:
                reason = (
                    f"reference rows weighted like the chunk move {out.metric} by {gap:.3g} "
                    f"({gap / se:.1f} sampling errors) from the unweighted estimate"
                )
                trust = worst(chunk, ChunkTrust("low", np.nan, f"trust low: {reason}"))
        out.trust = [trust.level]
        note = out.notes[0] if out.notes else None
        out.notes = ["; ".join(p for p in (note, trust.reason) if p) or None]
    return list(reported)
