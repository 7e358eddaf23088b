"""Thresholds: mean ± k·std of reference-chunk values and constants, clipped and direction-aware."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.config import ThresholdConfig, validate_config
from reportgen.errors import ConfigError
from reportgen.thresholds import (
    THRESHOLDS,
    ConstantThreshold,
    StandardDeviationThreshold,
    alert_flags,
    clip_bounds,
    compute_thresholds,
    threshold_from_config,
)


def test_standard_deviation_matches_hand_computation() -> None:
    values = np.array([0.80, 0.82, 0.78, 0.81, 0.79])
    mean, std = 0.80, np.sqrt(np.sum((values - 0.80) ** 2) / 4)  # sample std (ddof=1)
    lower, upper = StandardDeviationThreshold().bounds(values)
    assert lower == pytest.approx(mean - 3 * std) and upper == pytest.approx(mean + 3 * std)
    lower, upper = StandardDeviationThreshold(std_lower_multiplier=2, std_upper_multiplier=None).bounds(values)
    assert lower == pytest.approx(mean - 2 * std) and upper is None


def test_nan_reference_values_are_ignored_and_empty_gives_no_bounds() -> None:
    assert StandardDeviationThreshold().bounds(np.array([1.0, np.nan, 3.0])) == pytest.approx(
        (2 - 3 * np.sqrt(2), 2 + 3 * np.sqrt(2))
    )
    assert StandardDeviationThreshold().bounds(np.array([np.nan])) == (None, None)
    assert StandardDeviationThreshold().bounds(np.array([0.5])) == (0.5, 0.5)


def test_direction_keeps_only_the_worse_side_and_range_clips() -> None:
    ref = np.array([0.90, 0.95, 0.99, 0.97])
    rule = StandardDeviationThreshold()
    # ROC AUC: lower is worse, range [0, 1]: the upper bound goes, the lower is clipped at 0 at most.
    lower, upper = compute_thresholds(ref, rule, direction="lower_is_worse", value_range=(0.0, 1.0))
    assert upper is None and 0.0 <= lower < 0.9
    # RMSE: higher is worse.
    lower, upper = compute_thresholds(
        np.array([10.0, 12.0, 11.0]), rule, direction="higher_is_worse", value_range=(0.0, None)
    )
    assert lower is None and upper == pytest.approx(11 + 3.0)
    # A distance: a wide band below 0 is clipped to 0.
    lower, upper = compute_thresholds(np.array([0.01, 0.2, 0.02]), rule, direction="both", value_range=(0.0, None))
    assert lower == 0.0 and upper > 0.2


def test_alert_flags_nan_never_alerts() -> None:
    flags = alert_flags(np.array([0.5, 0.7, np.nan, 0.95, 0.2]), 0.3, 0.9)
    assert flags.tolist() == [False, False, False, True, True]
    assert alert_flags(np.array([1.0, 2.0]), None, None).tolist() == [False, False]


def test_constant_and_config_parsing() -> None:
    rule = threshold_from_config(ThresholdConfig(type="constant", lower=0.7, upper=None))
    assert isinstance(rule, ConstantThreshold) and rule.bounds(np.array([0.1])) == (0.7, None)
    rule = threshold_from_config(ThresholdConfig(std_lower_multiplier=2.5))
    assert isinstance(rule, StandardDeviationThreshold) and rule.std_lower_multiplier == 2.5
    assert {"standard_deviation", "constant"} <= set(THRESHOLDS.names())
    with pytest.raises(ConfigError, match="unknown threshold type 'sigma'.*accepted: .*standard_deviation"):
        validate_config(
            {
                "problem_type": "regression",
                "columns": {"prediction": "y"},
                "thresholds": {"univariate_drift": {"type": "sigma"}},
            }
        )


def test_explain_names_the_numbers() -> None:
    text = StandardDeviationThreshold().explain(0.7123, None)
    assert "0.7123" in text and "none" in text


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30),
    k=st.floats(0, 5),
    lo=st.one_of(st.none(), st.floats(-10, 0)),
    width=st.floats(0, 20),
)
def test_bounds_are_ordered_and_inside_the_range(values: list[float], k: float, lo, width: float) -> None:
    hi = None if lo is None else lo + width
    lower, upper = StandardDeviationThreshold(k, k).bounds(np.array(values))
    assert lower <= upper + 1e-9
    lower, upper = clip_bounds(lower, upper, (lo, hi))
    if lo is not None:
        assert lo <= lower <= hi and lo <= upper <= hi
    assert lower <= upper + 1e-9
    # Values strictly inside the bounds never alert; values outside always do.
    inside = np.array([(lower + upper) / 2])
    assert not alert_flags(inside, lower, upper).any()
    assert alert_flags(np.array([upper + 1.0, lower - 1.0]), lower, upper).all()
