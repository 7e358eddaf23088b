"""Two-sample Kolmogorov-Smirnov D = sup |F_chunk - F_reference|, exact, plus its p-value (registered as `kolmogorov_smirnov`)."""

from __future__ import annotations

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.drift.kolmogorov import SCIPY_MAX_N, ks_sf
from reportgen.drift.methods.base import UNIT_RANGE, UNIVARIATE_METHODS, UnivariateMethod
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class KolmogorovSmirnov(UnivariateMethod):
    """Two-sample Kolmogorov-Smirnov D = sup |F_chunk - F_reference|, exact, plus its p-value."""

    name = "kolmogorov_smirnov"
    display_name = "Kolmogorov-Smirnov"
    kinds = ("continuous",)
    metrics = ("statistic", "p_value")
    metric = "statistic"
    direction = {"statistic": "higher_is_worse", "p_value": "lower_is_worse"}
    value_range = {"statistic": UNIT_RANGE, "p_value": UNIT_RANGE}
    default_threshold = {
        "statistic": ThresholdConfig(type="standard_deviation", std_lower_multiplier=None, std_upper_multiplier=3.0)
    }
    needs = "sorted"
    description = (
        "The largest vertical gap between the cumulative distribution of the chunk and that of the "
        "reference (two-sample Kolmogorov-Smirnov D, between 0 and 1), computed exactly from every "
        "value; sensitive to shifts of location and shape anywhere in the range. The p-value is "
        "Smirnov's asymptotic two-sided one (as scipy.stats.ks_2samp with method='asymp'; above an "
        f"effective size of {SCIPY_MAX_N:,} from the Pelz-Good expansion, within 1e-7 of it)."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        n = chunks.profile.n
        d, _ = chunks.exact()
        n_ref = chunks.ref_sizes.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(chunks.leave_out, d * n / n_ref, d)  # exact leave-one-out rescaling
            d = np.minimum(d, 1.0)
            m = chunks.sizes.astype(np.float64)
            en = np.round(m * n_ref / (m + n_ref))
            if getattr(self, "skip_p_values_", False):
                p = np.full(d.size, np.nan)
            else:  # Smirnov's asymptotic two-sided p-value, as scipy's ks_2samp(method="asymp")
                p = ks_sf(d, np.maximum(en, 1))
        return {"statistic": d, "p_value": p}
