"""Largest absolute change of one category's share (L-infinity distance) (registered as `l_infinity`)."""

from __future__ import annotations

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import UNIT_RANGE, UNIVARIATE_METHODS, UnivariateMethod, proportions
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class LInfinity(UnivariateMethod):
    """Largest absolute change of one category's share (L-infinity distance)."""

    name = "l_infinity"
    display_name = "L-infinity"
    kinds = ("categorical",)
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": UNIT_RANGE}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = (
        "The largest absolute difference between the chunk's and the reference's share of any one "
        "category (unseen values counted as one more category), between 0 and 1: 0.1 means some "
        "category's share moved by 10 percentage points."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p, q = proportions(chunks.ref_counts), proportions(chunks.counts)
        return {"distance": np.abs(p - q).max(axis=1) if p.shape[1] else np.zeros(p.shape[0])}
