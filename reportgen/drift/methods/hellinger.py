"""Hellinger distance between chunk and reference bucket proportions (registered as `hellinger`)."""

from __future__ import annotations

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import UNIT_RANGE, UNIVARIATE_METHODS, UnivariateMethod, proportions
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class Hellinger(UnivariateMethod):
    """Hellinger distance between chunk and reference bucket proportions."""

    name = "hellinger"
    display_name = "Hellinger"
    kinds = ("continuous", "categorical")
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": UNIT_RANGE}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = (
        "The Hellinger distance sqrt(1/2 sum (sqrt(p) - sqrt(q))^2), between 0 and 1, on the same "
        "buckets as Jensen-Shannon; it weighs changes in rare buckets more than the total variation."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p, q = proportions(chunks.ref_counts), proportions(chunks.counts)
        h = np.sqrt(((np.sqrt(p) - np.sqrt(q)) ** 2).sum(axis=1) / 2.0)
        return {"distance": np.minimum(h, 1.0)}
