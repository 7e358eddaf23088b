"""The base class and registry of the univariate drift methods (one module per method beside this one)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.dataset import Column
from reportgen.drift.profiles import (
    CategoricalProfile,
    ChunkProfile,
    ContinuousProfile,
    Profile,
    continuous_profile,
    make_profile,
)
from reportgen.errors import NotFittedError
from reportgen.registry import Registry
from reportgen.thresholds import Direction


class UnivariateMethod:
    """Base class of a univariate drift method (one class per method, registered by `name`).

    Class attributes describe the method for the config, the thresholds and the report appendix:
    `kinds` (column kinds it applies to), `metrics` (results it writes), `metric` (the one that
    alerts), `direction` per metric, `value_range` per metric, `default_threshold` (the classic
    per-method rule, used when calibration on reference samples is impossible or not wanted),
    `needs` ("sorted" values or bucket "counts"), `display_name` (the appendix's title), `label` (its
    short name in tables and charts, when shorter than the display name) and `description`. The method's
    module is the one place of these names: the report reads them from the registry.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]
    label: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]]
    metrics: ClassVar[tuple[str, ...]]
    metric: ClassVar[str]
    direction: ClassVar[dict[str, Direction]]
    value_range: ClassVar[dict[str, tuple[float | None, float | None]]]
    default_threshold: ClassVar[dict[str, ThresholdConfig]]
    needs: ClassVar[str] = "counts"
    description: ClassVar[str]

    @classmethod
    def short_label(cls) -> str:
        """The method's name in tables and charts."""
        return cls.label or cls.display_name

    def fit(self, reference: Column | Profile | np.ndarray) -> UnivariateMethod:
        """Learn the reference profile (a Column, a prepared profile, or raw float values)."""
        if isinstance(reference, (ContinuousProfile, CategoricalProfile)):
            profile = reference
        elif isinstance(reference, Column):
            profile = make_profile(reference)
        else:
            profile = continuous_profile(np.asarray(reference, dtype=np.float64))
        if profile.kind not in self.kinds:
            raise ValueError(f"method '{self.name}' does not apply to {profile.kind} columns")
        self.profile_ = profile
        return self

    def check_fitted(self) -> None:
        if not hasattr(self, "profile_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(reference) first")

    def score(self, chunks: ChunkProfile, *, skip_p_values: bool = False) -> dict[str, np.ndarray]:
        """Every metric for every chunk (NaN where a chunk or the reference has no values).

        `skip_p_values` lets calibration skip costly p-values it does not need (they come back NaN).
        """
        self.check_fitted()
        self.skip_p_values_ = skip_p_values
        out = self._score(chunks)
        empty = (chunks.sizes == 0) | (chunks.ref_sizes <= 0)
        for key in out:
            out[key] = np.where(empty, np.nan, np.asarray(out[key], dtype=np.float64))
        return out

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def fallback_note(self) -> str | None:
        """A note for every value of the alerting metric when it had to fall back to a defined substitute."""
        return None

    def explain(self) -> str:
        return self.description


UNIVARIATE_METHODS: Registry[UnivariateMethod] = Registry("univariate drift method")

UNIT_RANGE = (0.0, 1.0)
NONNEGATIVE = (0.0, None)


def proportions(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / totals
