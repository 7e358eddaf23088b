"""Drift steps: univariate methods (one class each, in a registry) and multivariate detectors.

Importing the package registers the steps in reportgen.steps.STEPS.
"""

from reportgen.drift import multivariate, univariate  # noqa: F401
