"""Threshold rules: turn reference-chunk values into (lower, upper) alert bounds.

A rule is parsed from the config by its `type` through THRESHOLDS. Bounds are clipped to the
metric's range. Which bound alerts depends on the direction of "worse" (`alert_flags`):
performance alerts only when it degrades, drift distances only upward.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from reportgen.registry import Registry

if TYPE_CHECKING:
    from reportgen.config import ThresholdConfig

Direction = Literal["higher_is_worse", "lower_is_worse", "both"]


class Threshold:
    """Base class: `bounds(reference_values)` gives (lower, upper); None means no bound."""

    name: ClassVar[str]
    description: ClassVar[str]

    def bounds(self, reference_values: np.ndarray) -> tuple[float | None, float | None]:
        raise NotImplementedError

    def explain(self, lower: float | None, upper: float | None) -> str:
        """One sentence for the method appendix: how the bounds were set, with the numbers."""
        return f"{self.description} Lower {_fmt(lower)}, upper {_fmt(upper)}."


THRESHOLDS: Registry[Threshold] = Registry("threshold type")


@THRESHOLDS.register
@dataclass(frozen=True)
class StandardDeviationThreshold(Threshold):
    """mean ± k·std of the reference-chunk values (NannyML's default rule)."""

    name: ClassVar[str] = "standard_deviation"
    description: ClassVar[str] = "Mean of the reference chunks plus or minus a multiple of their standard deviation."
    std_lower_multiplier: float | None = 3.0
    std_upper_multiplier: float | None = 3.0

    def bounds(self, reference_values: np.ndarray) -> tuple[float | None, float | None]:
        values = np.asarray(reference_values, dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None, None
        mean = float(values.mean())
        std = float(values.std(ddof=1)) if values.size > 1 else 0.0
        lower = None if self.std_lower_multiplier is None else mean - self.std_lower_multiplier * std
        upper = None if self.std_upper_multiplier is None else mean + self.std_upper_multiplier * std
        return lower, upper

    def explain(self, lower: float | None, upper: float | None) -> str:
        return (
            f"Mean of the reference chunks minus {self.std_lower_multiplier} / plus {self.std_upper_multiplier} "
            f"standard deviations: lower {_fmt(lower)}, upper {_fmt(upper)}."
        )


@THRESHOLDS.register
@dataclass(frozen=True)
class ConstantThreshold(Threshold):
    """Fixed bounds given in the config."""

    name: ClassVar[str] = "constant"
    description: ClassVar[str] = "Fixed bounds set in the configuration."
    lower: float | None = None
    upper: float | None = None

    def bounds(self, reference_values: np.ndarray) -> tuple[float | None, float | None]:
        return self.lower, self.upper


@THRESHOLDS.register
@dataclass(frozen=True)
class ReferenceQuantileThreshold(Threshold):
    """Order statistics of a null distribution: scores of same-size random reference samples.

    `bounds` takes those null scores (see reportgen.drift.calibration), not reference-chunk values;
    steps recognise the rule by `needs_null_distribution`. alpha is the false-alert rate per chunk.
    """

    name: ClassVar[str] = "reference_quantile"
    description: ClassVar[str] = (
        "Quantile of the scores of random same-size samples drawn from the reference, each scored with itself left out."
    )
    needs_null_distribution: ClassVar[bool] = True
    alpha: float | None = 0.01
    samples: int | None = None

    def bounds(self, reference_values: np.ndarray) -> tuple[float | None, float | None]:
        values = np.asarray(reference_values, dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None, None
        return monte_carlo_bounds(values, 0.01 if self.alpha is None else self.alpha)

    def explain(self, lower: float | None, upper: float | None) -> str:
        alpha = 0.01 if self.alpha is None else self.alpha
        return (
            f"{100 * (1 - alpha):g}% quantile (on the side that means worse) of the scores of random samples of the "
            f"chunk's size drawn from the reference and scored with themselves left out: lower {_fmt(lower)}, upper {_fmt(upper)}."
        )


def monte_carlo_bounds(null_scores: np.ndarray, alpha: float) -> tuple[float, float]:
    """(lower, upper) order statistics of S null scores that a new score crosses with probability <= alpha.

    The Monte-Carlo test rule: with S exchangeable null scores, a new score exceeds the
    ceil((1 - alpha)(S + 1))-th smallest (or falls below the floor(alpha (S + 1))-th) with
    probability at most alpha, whatever S; a plain quantile would be anti-conservative for small S.
    """
    ordered = np.sort(np.asarray(null_scores, dtype=float))
    s = ordered.size
    upper = ordered[min(s, int(np.ceil((1.0 - alpha) * (s + 1)))) - 1]
    lower = ordered[max(1, int(np.floor(alpha * (s + 1)))) - 1]
    return float(lower), float(upper)


def threshold_from_config(rule: ThresholdConfig) -> Threshold:
    """Build the Threshold object a config entry names."""
    cls = THRESHOLDS.get(rule.type)
    fields = {
        k: v for k, v in rule.model_dump().items() if k != "type" and k in getattr(cls, "__dataclass_fields__", {})
    }
    return cls(**fields)


def clip_bounds(
    lower: float | None,
    upper: float | None,
    value_range: tuple[float | None, float | None] = (None, None),
) -> tuple[float | None, float | None]:
    """Clip bounds to the metric's range (e.g. ROC AUC in [0, 1], distances >= 0)."""
    lo, hi = value_range
    if lower is not None:
        if lo is not None:
            lower = max(lower, lo)
        if hi is not None:
            lower = min(lower, hi)
    if upper is not None:
        if hi is not None:
            upper = min(upper, hi)
        if lo is not None:
            upper = max(upper, lo)
    return lower, upper


def directional_bounds(
    lower: float | None, upper: float | None, direction: Direction
) -> tuple[float | None, float | None]:
    """Drop the bound on the side that is not "worse" (a better-than-usual value never alerts)."""
    if direction == "higher_is_worse":
        return None, upper
    if direction == "lower_is_worse":
        return lower, None
    return lower, upper


def alert_flags(values: np.ndarray, lower: float | None, upper: float | None) -> np.ndarray:
    """True where a value crosses a bound; NaN values never alert."""
    values = np.asarray(values, dtype=float)
    flags = np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        if lower is not None:
            flags |= values < lower
        if upper is not None:
            flags |= values > upper
    return flags


def compute_thresholds(
    reference_values: np.ndarray,
    rule: Threshold,
    *,
    direction: Direction,
    value_range: tuple[float | None, float | None] = (None, None),
) -> tuple[float | None, float | None]:
    """Bounds from a rule, clipped to the range and kept only on the side that means worse."""
    lower, upper = rule.bounds(np.asarray(reference_values, dtype=float))
    lower, upper = clip_bounds(lower, upper, value_range)
    return directional_bounds(lower, upper, direction)


def _fmt(v: float | None) -> str:
    return "none" if v is None else f"{v:.4g}"
