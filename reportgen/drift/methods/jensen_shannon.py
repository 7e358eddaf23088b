"""Jensen-Shannon distance (base 2) between chunk and reference bucket proportions (registered as `jensen_shannon`)."""

from __future__ import annotations

import numpy as np
from scipy import special

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import UNIT_RANGE, UNIVARIATE_METHODS, UnivariateMethod, proportions
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class JensenShannon(UnivariateMethod):
    """Jensen-Shannon distance (base 2) between chunk and reference bucket proportions."""

    name = "jensen_shannon"
    display_name = "Jensen-Shannon"
    kinds = ("continuous", "categorical")
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": UNIT_RANGE}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = (
        "The Jensen-Shannon distance (square root of the divergence, base 2, between 0 and 1) "
        "between the chunk's and the reference's proportions per bucket: the categories plus an "
        "'unseen' bucket, or for continuous features the reference deciles, the first and last "
        "open-ended so values beyond the reference range are kept there. Symmetric and bounded."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p, q = proportions(chunks.ref_counts), proportions(chunks.counts)
        mid = (p + q) / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            div = (special.rel_entr(p, mid) + special.rel_entr(q, mid)).sum(axis=1) / np.log(2.0)
        return {"distance": np.sqrt(np.clip(div / 2.0, 0.0, 1.0))}
