"""Population stability index sum (q - p) ln(q / p) over buckets (credit-risk standard) (registered as `psi`)."""

from __future__ import annotations

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import NONNEGATIVE, UNIVARIATE_METHODS, UnivariateMethod, proportions
from reportgen.drift.profiles import PSI_FLOOR, ChunkProfile


@UNIVARIATE_METHODS.register
class PopulationStabilityIndex(UnivariateMethod):
    """Population stability index sum (q - p) ln(q / p) over buckets (credit-risk standard)."""

    name = "psi"
    display_name = "Population stability index"
    label = "PSI"
    kinds = ("continuous", "categorical")
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": NONNEGATIVE}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.25)}
    description = (
        "The population stability index, sum over buckets of (chunk share - reference share) x "
        "ln(chunk share / reference share), on the same buckets as Jensen-Shannon (reference deciles "
        f"for continuous features); shares are floored at {PSI_FLOOR:g} so empty buckets stay finite. "
        "The credit-risk rule of thumb reads below 0.1 as stable and above 0.25 as a major shift."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        p = np.maximum(proportions(chunks.ref_counts), PSI_FLOOR)
        q = np.maximum(proportions(chunks.counts), PSI_FLOOR)
        return {"distance": ((q - p) * np.log(q / p)).sum(axis=1)}
