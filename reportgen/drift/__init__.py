"""Drift steps: univariate methods (reportgen.drift.methods, one module each) and multivariate detectors.

reportgen.pipeline_steps imports the step modules, which register themselves in reportgen.steps.STEPS.
"""
