"""reportgen.spec is the one place metric and step facts live; its consumers agree with it."""

from __future__ import annotations

import pandas as pd

from reportgen import spec
from reportgen.config import METRICS_BY_PROBLEM
from reportgen.performance.bands import metric_direction, metric_range
from reportgen.render import filters
from reportgen.resolution import text
from reportgen.results import STEPS


def test_false_positive_is_lower_is_better_everywhere() -> None:
    assert spec.metric("false_positive").higher_is_better is False
    assert filters.change_word("false_positive", 10, 12) == "worse"
    assert text.direction_word(2.0, "false_positive") == "worse"
    assert text.direction_word(2.0, "true_positive") == "better"
    assert text.direction_word(-0.1, "roc_auc") == "worse" and text.direction_word(-0.1, "rmse") == "better"


def test_consumers_read_the_spec() -> None:
    assert STEPS == spec.STEP_NAMES
    assert METRICS_BY_PROBLEM["regression"] == ("mae", "mse", "rmse", "mape", "msle", "rmsle")
    assert "average_precision" not in METRICS_BY_PROBLEM["multiclass_classification"]
    assert METRICS_BY_PROBLEM["binary_classification"][-1] == "business_value"
    for m in ("roc_auc", "rmse", "business_value", "f1"):
        assert filters.metric_label(m) == spec.metric(m).label
        assert metric_range(m) == spec.metric(m).value_range
    assert metric_direction("mae") == "higher_is_worse" and metric_direction("roc_auc") == "lower_is_worse"
    assert text.metric_label("precision") == "precision" and text.metric_label("roc_auc") == "ROC AUC"


def test_unknown_names_get_neutral_specs() -> None:
    new = spec.metric("brier_score")
    assert new.label == "Brier score" and new.higher_is_better is None
    assert spec.step("fairness").order == len(spec.STEPS)
    assert spec.step_rank("fairness") > spec.step_rank("issue_resolution") > spec.step_rank("summary_stats")


def test_a_new_step_sorts_and_reads_ok_without_key_errors() -> None:
    from reportgen.monitor import sort_results

    frame = pd.DataFrame(
        {"step": ["fairness", "univariate_drift"], "method": ["m", "ks"], "metric": ["x", "y"]}
        | {"column": [None, "a"], "chunk_index": [0, 0]}
    )
    assert sort_results(frame)["step"].tolist() == ["univariate_drift", "fairness"]
    assert filters.metric_value(3, "brand_new_metric") == "3"
