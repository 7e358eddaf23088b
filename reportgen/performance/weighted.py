"""Importance-weighted CBPE and DLE (`cbpe_iw`, `dle_iw`): the estimate corrected where the chunk lies.

Each is its NannyML-compatible counterpart reporting the doubly robust estimate of
reportgen.performance.reweighted instead of the plain one: per chunk, a classifier reference vs
chunk (reportgen.performance.density_ratio) weights held-out reference rows, whose residuals (label
minus calibrated probability for CBPE, loss minus predicted loss for DLE) then correct the chunk's
per-row predictions bin by bin. A chunk like the reference gets weights near 1 and the counterpart's
estimate. Reference chunks keep the counterpart's estimate (they are the reference).
"""

from __future__ import annotations

from typing import Any, ClassVar

from reportgen.performance.cbpe import CBPE
from reportgen.performance.dle import DLE
from reportgen.steps import STEPS

WEIGHTED_NOTE = (
    " Importance-weighted variant: per chunk, a small gradient-boosted classifier separating reference rows from "
    "the chunk's rows gives each held-out reference row a density ratio (tempered until chunks of the reference "
    "itself keep 90% of their effective sample size); the reference rows' residuals, weighted so, correct the "
    "per-row predictions bin by bin (doubly robust estimate), each bin's correction shrunk by its signal-to-noise "
    "ratio. A chunk like the reference gets its unweighted estimate."
)


def _weighted_notes(notes: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    for n in notes:
        n["title"] = title
        n["description"] += WEIGHTED_NOTE
    return notes


@STEPS.register
class WeightedCBPE(CBPE):
    """CBPE with importance-weighted, per-region correction of the calibrated probabilities."""

    name: ClassVar[str] = "cbpe_iw"
    weighted: ClassVar[bool] = True

    def method_notes(self) -> list[dict[str, Any]]:
        return _weighted_notes(super().method_notes(), "Estimated performance (CBPE, importance-weighted)")


@STEPS.register
class WeightedDLE(DLE):
    """DLE with the importance-weighted residual of its loss models on held-out reference rows."""

    name: ClassVar[str] = "dle_iw"
    weighted: ClassVar[bool] = True

    def method_notes(self) -> list[dict[str, Any]]:
        return _weighted_notes(super().method_notes(), "Estimated performance (DLE, importance-weighted)")
