"""Trust of a chunk's estimates from its density ratio to the reference, with cut-offs set on reference chunks.

Two measures of the reference-vs-chunk classifier (reportgen.performance.density_ratio) say how
far the chunk lies from what the reference can vouch for: the effective sample size of the
importance weights (Kish; few held-out reference rows resemble the chunk when it is small) and the
share of the chunk's rows whose density ratio exceeds SPARSE_RATIO (rows in regions where the
reference is sparse). Their cut-offs are learned from the reference's own chunks, which are by
definition trustworthy: the weights' inefficiency (1 - effective share) of a chunk is `low` above
INEFFICIENCY_LOW times the reference chunks' largest (and at least MIN_INEFFICIENCY), the sparse
share above the reference chunks' largest plus SPARSE_LOW; `medium` at the smaller factors. The
chunk's trust is the worse of these and the support overlap (reportgen.performance.overlap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.performance.density_ratio import SPARSE_RATIO, ChunkRatio
from reportgen.performance.overlap import ChunkTrust

INEFFICIENCY_LOW = 4.0
INEFFICIENCY_MEDIUM = 2.0
MIN_INEFFICIENCY = 0.1  # below this many lost effective rows in ten, a chunk is never flagged on the weights
SPARSE_LOW = 0.2
SPARSE_MEDIUM = 0.1
LEVELS = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class RatioCutoffs:
    """Cut-offs of the two density-ratio measures, learned on reference chunks."""

    inefficiency_low: float
    inefficiency_medium: float
    sparse_low: float
    sparse_medium: float

    @classmethod
    def from_reference(cls, ess: np.ndarray, sparse: np.ndarray) -> RatioCutoffs:
        """From the reference chunks' effective sample shares and sparse shares."""
        ess, sparse = ess[np.isfinite(ess)], sparse[np.isfinite(sparse)]
        worst = float(1.0 - ess.min()) if ess.size else 0.0
        top = float(sparse.max()) if sparse.size else 0.0
        return cls(
            max(INEFFICIENCY_LOW * worst, 2 * MIN_INEFFICIENCY),
            max(INEFFICIENCY_MEDIUM * worst, MIN_INEFFICIENCY),
            top + SPARSE_LOW,
            top + SPARSE_MEDIUM,
        )

    def assess(self, ratio: ChunkRatio) -> ChunkTrust:
        """Trust of one chunk from its density ratio, with the reason when it is not high."""
        lost = 1.0 - ratio.ess_share if np.isfinite(ratio.ess_share) else 0.0
        reasons = []
        level = "high"
        if lost > self.inefficiency_medium:
            level = "low" if lost > self.inefficiency_low else "medium"
            reasons.append(
                f"the importance weights keep {ratio.ess_share:.0%} of the reference's effective rows "
                f"(reference chunks {1.0 - self.inefficiency_medium / INEFFICIENCY_MEDIUM:.0%} or more)"
            )
        if ratio.sparse_share > self.sparse_medium:
            if ratio.sparse_share > self.sparse_low:
                level = "low"
            elif level == "high":
                level = "medium"
            reasons.append(
                f"{ratio.sparse_share:.0%} of rows lie where the reference is over {SPARSE_RATIO:.0f}x sparser "
                f"(reference chunks {max(self.sparse_medium - SPARSE_MEDIUM, 0.0):.0%} at most)"
            )
        if level == "high":
            return ChunkTrust("high", np.nan, None)
        return ChunkTrust(level, np.nan, f"trust {level}: " + " and ".join(reasons))


def worst(overlap: ChunkTrust, ratio: ChunkTrust) -> ChunkTrust:
    """The lower of two trust levels; the reasons of every non-high one, joined."""
    level = max((overlap, ratio), key=lambda t: LEVELS[t.level]).level
    reasons = [
        t.reason.split(": ", 1)[1] if t.reason.startswith("trust ") else t.reason for t in (overlap, ratio) if t.reason
    ]
    reason = f"trust {level}: " + "; ".join(reasons) if reasons else None
    return ChunkTrust(level, overlap.share_outside, reason)
