"""The pipeline's steps: imports every module that registers a monitoring step (so STEPS is complete)
and builds the configured, applicable ones in pipeline order."""

from __future__ import annotations

import reportgen.drift.domain_classifier_drift
import reportgen.drift.multivariate
import reportgen.drift.univariate
import reportgen.performance.business_value
import reportgen.performance.cbpe
import reportgen.performance.dle
import reportgen.performance.realized
import reportgen.performance.weighted
import reportgen.quality
import reportgen.resolution.residual_step  # noqa: F401  (each module registers its steps; quality: data_quality, summary_stats)
from reportgen import spec
from reportgen.config import Config
from reportgen.steps import STEPS, Step


def applicable_steps(config: Config) -> list[Step]:
    """Configured instances of every registered step that fits the problem type, in pipeline order."""
    classes = [cls for _, cls in STEPS.items() if config.problem_type in cls.problem_types]
    classes.sort(key=lambda c: (spec.step(c.step).run_order, c.name))
    steps = []
    for cls in classes:
        step = cls.from_config(config)
        if step is not None:
            steps.append(step)
    return steps
