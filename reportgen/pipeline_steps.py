"""Import every module that registers a monitoring step, so STEPS is complete before the pipeline runs."""

from __future__ import annotations

import reportgen.drift
import reportgen.performance
import reportgen.quality  # noqa: F401  data_quality, summary_stats
