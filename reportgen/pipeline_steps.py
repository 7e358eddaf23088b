"""Import every module that registers a monitoring step, so STEPS is complete before the pipeline runs."""
from __future__ import annotations

import reportgen.drift  # noqa: F401  univariate_drift, pca_reconstruction, domain_classifier
import reportgen.performance  # noqa: F401  realized_performance, cbpe, dle, business_value
import reportgen.quality  # noqa: F401  data_quality, summary_stats
