"""Drift steps: univariate methods (one class each, in a registry) and multivariate detectors."""
from __future__ import annotations

import importlib

# Each module registers its step(s) in reportgen.steps.STEPS on import.
for _module in ("reportgen.drift.univariate", "reportgen.drift.multivariate"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:  # while a module has not landed yet
        if exc.name != _module:
            raise
