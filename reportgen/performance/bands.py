"""Thresholds and alerts for performance metrics, shared by the realized and estimated values.

Rule. Thresholds come from the REALIZED reference values of the metric:

1. A rule the config names for the metric (`thresholds:` keyed step[.method[.metric]];
   `standard_deviation` or `constant`) wins.
2. Otherwise, with at least MIN_CHUNKS_FOR_STD (10) reference chunks that have a value: mean ± 3
   standard deviations of the reference-chunk values (NannyML's rule).
3. With fewer reference chunks: the reference value (over the whole reference) ± 3 sampling errors
   at the chunk's size, sd = sqrt(SE(n)^2 + SE_ref^2) (the chunk's noise plus the reference
   value's own noise; see sampling_error.py for SE per metric). n is the number of rows behind
   the value: rows with a prediction for an estimate, rows with a target for a realized value
   (identical when every target is in; wider for the realized value when some are missing).

Why 10: the standard deviation of k values has k - 1 degrees of freedom and a relative standard
error of about 1 / sqrt(2 (k - 1)): 35% at k = 5, 24% at k = 10. Below 10 chunks a "3 std" bound
is really anywhere from about 2 to 4 std, so false alerts (or missed ones) depend on luck; the
sampling error uses every reference row instead of a handful of chunk values. In numbers: on
stable data a new chunk falls below "mean - 3 std of k chunk values" with the probability of a
Student t with k - 1 degrees of freedom below -3 / sqrt(1 + 1/k): 2.6% at k = 5, 0.94% at k = 10,
0.43% at k = 20, against 0.13% when the spread is known (the sampling-error band). From 10 chunks
on the std rule is kept because it also captures real chunk-to-chunk variation of the reference
(seasonality, mixed segments) that pure sampling error misses. A rule the config
names for a drift-only threshold type (e.g. `reference_quantile`) also falls back to rule 3.

Bounds are clipped to the metric's range; only the side that means "worse" alerts
(lower_is_worse for classification metrics and business value, higher_is_worse for regression
errors). NaN values never alert (their alert is null).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen import spec
from reportgen.config import Config, ThresholdConfig
from reportgen.performance.sampling_error import Noise
from reportgen.thresholds import Direction, compute_thresholds, threshold_from_config

MIN_CHUNKS_FOR_STD = 10
BAND_MULTIPLIER = 3.0
CONFIDENCE_MULTIPLIER = 3.0


def metric_range(metric: str) -> tuple[float | None, float | None]:
    """The values a metric can take."""
    return spec.metric(metric).value_range


def metric_direction(metric: str) -> Direction:
    """Which way is worse: errors up, scores and money down."""
    return spec.metric(metric).worse_direction


@dataclass(frozen=True)
class ThresholdPlan:
    """Per-chunk lower / upper thresholds (NaN = none) and how they were set."""

    rule: str  # standard_deviation | constant | sampling_error | none
    lower: np.ndarray
    upper: np.ndarray
    explanation: str


def clip_to_range(values: np.ndarray, value_range: tuple[float | None, float | None]) -> np.ndarray:
    """Clip an array to a metric's range (NaN stays NaN)."""
    lo, hi = value_range
    out = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            out = np.where(np.isnan(out), out, np.maximum(out, lo))
        if hi is not None:
            out = np.where(np.isnan(out), out, np.minimum(out, hi))
    return out


def _none_to_nan(v: float | None, n: int) -> np.ndarray:
    return np.full(n, np.nan if v is None else float(v))


def plan_thresholds(
    config: Config,
    keys: Sequence[tuple[str, str]],
    metric: str,
    reference_chunk_values: np.ndarray,
    noise: Noise | None,
    sizes: np.ndarray,
) -> ThresholdPlan:
    """Thresholds for every chunk (reference then analysis) of one metric; see the module docstring.

    Parameters
    ----------
    keys:
        (step, method) pairs whose configured thresholds apply, most specific first (the step's
        own, then its realized / estimated partner, so both share thresholds).
    sizes:
        Rows behind each chunk's value (used by the sampling-error rule).
    """
    n = len(sizes)
    direction = metric_direction(metric)
    value_range = metric_range(metric)
    rule_cfg = None
    for step, method in keys:
        rule_cfg = config.threshold_for(step, method, metric)
        if rule_cfg is not None:
            break
    finite = np.asarray(reference_chunk_values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if rule_cfg is not None and rule_cfg.type in ("standard_deviation", "constant"):
        rule = threshold_from_config(rule_cfg)
        lo, hi = compute_thresholds(finite, rule, direction=direction, value_range=value_range)
        return ThresholdPlan(
            rule_cfg.type, _none_to_nan(lo, n), _none_to_nan(hi, n), "Configured: " + rule.explain(lo, hi)
        )
    if rule_cfg is None and finite.size >= MIN_CHUNKS_FOR_STD:
        rule = threshold_from_config(_default_rule(metric))
        lo, hi = compute_thresholds(finite, rule, direction=direction, value_range=value_range)
        text = f"{finite.size} reference chunks: " + rule.explain(lo, hi)
        return ThresholdPlan("standard_deviation", _none_to_nan(lo, n), _none_to_nan(hi, n), text)
    if noise is None or not np.isfinite(noise.sd) or not np.isfinite(noise.per_row):
        return ThresholdPlan(
            "none",
            np.full(n, np.nan),
            np.full(n, np.nan),
            "No thresholds: the reference gives no value or sampling error for this metric.",
        )
    sizes = np.asarray(sizes, dtype=float)
    center = noise.center(sizes)
    width = BAND_MULTIPLIER * noise.band_sd(sizes)
    lower = clip_to_range(center - width, value_range)
    upper = clip_to_range(center + width, value_range)
    if direction == "lower_is_worse":
        upper = np.full(n, np.nan)
    elif direction == "higher_is_worse":
        lower = np.full(n, np.nan)
    why = (
        f"the config's '{rule_cfg.type}' rule applies to drift only"
        if rule_cfg is not None
        else f"the reference has {finite.size} chunk value(s), fewer than {MIN_CHUNKS_FOR_STD}, too few for a stable standard deviation"
    )
    typical = float(np.median(sizes[sizes > 0])) if (sizes > 0).any() else 0.0
    bound = lower if direction == "lower_is_worse" else upper
    example = ""
    if typical > 0:
        i = int(np.argmin(np.abs(sizes - typical)))
        example = f" For a chunk of {int(sizes[i]):,} rows the {'lower' if direction == 'lower_is_worse' else 'upper'} threshold is {bound[i]:.4g} (sampling error {float(noise.se(sizes[i])):.3g})."
    ref_txt = f"{noise.per_row:.4g}" + (" per row" if noise.kind == "sum" else "")
    text = (
        f"Sampling-error band ({why}): reference value {ref_txt} "
        f"{'minus' if direction == 'lower_is_worse' else 'plus'} {BAND_MULTIPLIER:g} x sqrt(SE(chunk size)^2 + SE(reference)^2), "
        f"from {noise.n_reference:,} reference rows.{example}"
    )
    return ThresholdPlan("sampling_error", lower, upper, text)


def _default_rule(metric: str) -> ThresholdConfig:
    """The metric's default rule from reportgen.spec (reference mean +- 3 std)."""
    return ThresholdConfig(**(spec.metric(metric).default_threshold or spec.STD_RULE))


def alerts(values: np.ndarray, plan: ThresholdPlan) -> np.ndarray:
    """Object array: True / False per chunk, None where the value is NaN or no threshold applies."""
    values = np.asarray(values, dtype=float)
    out = np.empty(values.shape, dtype=object)
    with np.errstate(invalid="ignore"):
        crossed = (values < plan.lower) | (values > plan.upper)  # NaN bounds compare False
    has_bound = np.isfinite(plan.lower) | np.isfinite(plan.upper)
    for i in range(values.size):
        out[i] = bool(crossed[i]) if (np.isfinite(values[i]) and has_bound[i]) else None
    return out


def confidence_band(values: np.ndarray, se: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """value ± 3 SE, clipped to the metric's range."""
    values = np.asarray(values, dtype=float)
    rng = metric_range(metric)
    return clip_to_range(values - CONFIDENCE_MULTIPLIER * se, rng), clip_to_range(
        values + CONFIDENCE_MULTIPLIER * se, rng
    )
