"""Earth mover's distance W1 between chunk and reference, exact; also scaled by the reference std (registered as `wasserstein`)."""

from __future__ import annotations

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import NONNEGATIVE, UNIVARIATE_METHODS, UnivariateMethod
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class Wasserstein(UnivariateMethod):
    """Earth mover's distance W1 between chunk and reference, exact; also scaled by the reference std."""

    name = "wasserstein"
    display_name = "Wasserstein"
    kinds = ("continuous",)
    metrics = ("distance", "scaled_distance")
    metric = "scaled_distance"
    direction = {"distance": "higher_is_worse", "scaled_distance": "higher_is_worse"}
    value_range = {"distance": NONNEGATIVE, "scaled_distance": NONNEGATIVE}
    default_threshold = {
        "scaled_distance": ThresholdConfig(
            type="standard_deviation", std_lower_multiplier=None, std_upper_multiplier=3.0
        )
    }
    needs = "sorted"
    description = (
        "The earth mover's distance: the area between the two cumulative distributions, i.e. the "
        "average distance values must move to turn the reference distribution into the chunk's, in "
        "the feature's own unit (equals scipy.stats.wasserstein_distance, computed exactly). The "
        "alerting value is that distance divided by the reference standard deviation, so one "
        "threshold fits every feature."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        _, w = chunks.exact()
        n = chunks.profile.n
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(chunks.leave_out, w * n / chunks.ref_sizes, w)
            std = chunks.continuous.std
            # a reference constant in this column has no spread to divide by: the distance in the
            # feature's own unit still measures how far the chunk moved (see fallback_note)
            scaled = w / std if std > 0 else w
        return {"distance": w, "scaled_distance": scaled}

    def fallback_note(self) -> str | None:
        """Why scaled_distance is the plain distance: the reference standard deviation is zero."""
        self.check_fitted()
        std = getattr(self.profile_, "std", float("nan"))
        if self.profile_.n and not std > 0:
            return "constant in the reference (standard deviation 0): scaled_distance is the distance in the feature's unit"
        return None
