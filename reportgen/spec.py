"""What every metric and step is: label, unit, direction, range, section and order, in one place.

Each metric and each results.json step is one frozen object (in the manner of NannyML's metric
classes); the config, the thresholds, the resolution's sentences and every renderer read these
objects instead of keeping their own lists. See ARCHITECTURE.md ("Where do I add a metric").
A name this module does not know still works everywhere: `metric()` and `step()` build a neutral
spec for it, so a new step or metric never raises KeyError downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Unit = Literal["score", "error", "count", "currency", "fraction", "number"]
ValueRange = tuple[float | None, float | None]

CLASSIFICATION = ("binary_classification", "multiclass_classification")
BINARY = ("binary_classification",)
REGRESSION = ("regression",)
# NannyML's default rule for a performance metric with 10+ reference chunks: reference mean +- 3 std.
STD_RULE: dict[str, Any] = {"type": "standard_deviation", "std_lower_multiplier": 3.0, "std_upper_multiplier": 3.0}


@dataclass(frozen=True)
class MetricSpec:
    """One metric: how it is named, measured and judged."""

    name: str
    label: str  # table and chart label: 'ROC AUC', 'Precision'
    unit: Unit = "number"
    higher_is_better: bool | None = None  # None: no better side (a drift statistic, a mean)
    value_range: ValueRange = (None, None)
    problem_types: tuple[str, ...] = ()  # performance metrics: the problem types it fits
    order: int = 1000  # position in performance tables
    primary: int | None = None  # rank as the report's headline metric (0 first)
    default_threshold: dict[str, Any] | None = None  # rule used when the config sets none

    @property
    def prose(self) -> str:
        """The label inside a sentence: 'ROC AUC', 'precision', 'average precision'."""
        first = self.label.split(" ")[0]
        return self.label if first.isupper() else self.label[:1].lower() + self.label[1:]

    @property
    def lower_is_better(self) -> bool:
        return self.higher_is_better is False

    @property
    def worse_direction(self) -> Literal["higher_is_worse", "lower_is_worse"]:
        """Which way a threshold alerts: errors and wrong counts up, scores and money down."""
        return "higher_is_worse" if self.higher_is_better is False else "lower_is_worse"


@dataclass(frozen=True)
class StepSpec:
    """One results.json step: its place in results.json, in the pipeline and in the report."""

    name: str
    label: str
    order: int  # results.json and report order
    run_order: int  # pipeline order (realized before estimated: the estimators compare to it)
    section: str  # anchor of the report section showing it


def _score(name: str, label: str, order: int, problems: tuple[str, ...] = CLASSIFICATION, **kw: Any) -> MetricSpec:
    return MetricSpec(
        name,
        label,
        "score",
        True,
        (0.0, 1.0),
        problems,
        order,
        default_threshold=STD_RULE,
        **kw,
    )


def _error(name: str, label: str, order: int, **kw: Any) -> MetricSpec:
    return MetricSpec(name, label, "error", False, (0.0, None), REGRESSION, order, default_threshold=STD_RULE, **kw)


def _count(name: str, label: str, order: int, higher_is_better: bool) -> MetricSpec:
    return MetricSpec(name, label, "count", higher_is_better, (0.0, None), (), order)


CONFUSION_COUNTS = ("true_positive", "false_positive", "false_negative", "true_negative")


def _plain(name: str, label: str, unit: Unit = "number", value_range: ValueRange = (None, None)) -> MetricSpec:
    return MetricSpec(name, label, unit, None, value_range)


_METRICS = (
    _score("roc_auc", "ROC AUC", 0, primary=0),
    _score("f1", "F1", 1, primary=3),
    _score("precision", "Precision", 2),
    _score("recall", "Recall", 3),
    _score("specificity", "Specificity", 4),
    _score("accuracy", "Accuracy", 5, primary=4),
    _score("average_precision", "Average precision", 6, BINARY),
    _error("mae", "MAE", 7, primary=2),
    _error("mse", "MSE", 8),
    _error("rmse", "RMSE", 9, primary=1),
    _error("mape", "MAPE", 10),
    _error("msle", "MSLE", 11),
    _error("rmsle", "RMSLE", 12),
    _count("true_positive", "True positives", 13, True),
    _count("false_positive", "False positives", 14, False),
    _count("false_negative", "False negatives", 15, False),
    _count("true_negative", "True negatives", 16, True),
    MetricSpec("business_value", "Business value", "currency", True, (None, None), CLASSIFICATION, 17),
    MetricSpec("cumulative_business_value", "Cumulative business value", "currency", True, (None, None), (), 18),
    _plain("reconstruction_error", "Reconstruction error", value_range=(0.0, None)),
    _plain("statistic", "Statistic"),
    _plain("p_value", "p-value", "fraction", (0.0, 1.0)),
    _plain("distance", "Distance"),
    _plain("scaled_distance", "Scaled distance"),
    _plain("rate", "Rate", "fraction", (0.0, 1.0)),
    _plain("count", "Count", "count", (0.0, None)),
    _plain("mean", "Mean"),
    _plain("std", "Std"),
    _plain("median", "Median"),
    _plain("min", "Min"),
    _plain("max", "Max"),
    _plain("rows", "Rows", "count", (0.0, None)),
)
METRICS: dict[str, MetricSpec] = {m.name: m for m in _METRICS}

_STEPS = (
    StepSpec("estimated_performance", "Estimated performance", 0, 20, "estimated-performance"),
    StepSpec("realized_performance", "Realized performance", 1, 10, "estimated-vs-realized"),
    StepSpec("business_value", "Business value", 2, 30, "business-value"),
    StepSpec("multivariate_drift", "Multivariate drift", 3, 60, "multivariate-drift"),
    StepSpec("univariate_drift", "Univariate drift", 4, 50, "univariate-drift"),
    StepSpec("data_quality", "Data quality", 5, 70, "data-quality"),
    StepSpec("summary_stats", "Summary stats", 6, 80, "data-quality"),
)
STEPS: dict[str, StepSpec] = {s.name: s for s in _STEPS}
STEP_NAMES: tuple[str, ...] = tuple(s.name for s in sorted(_STEPS, key=lambda s: s.order))
# The resolution's status key: shown after every step (appendix order, section badge).
RESOLUTION = "issue_resolution"

# Label-free estimators per problem type (config performance.estimators); the first is the default.
ESTIMATORS = {
    "binary_classification": ("cbpe", "cbpe_iw"),
    "multiclass_classification": ("cbpe", "cbpe_iw"),
    "regression": ("dle", "dle_iw"),
}

# Method names in tables and charts; a univariate drift method's module names it (drift/methods/).
METHOD_LABELS = {
    "cbpe": "CBPE (estimated)",
    "dle": "DLE (estimated)",
    "cbpe_iw": "CBPE importance-weighted (estimated)",
    "dle_iw": "DLE importance-weighted (estimated)",
    "realized": "Realized",
    "pca_reconstruction": "PCA reconstruction error",
    "domain_classifier": "Domain classifier",
    "missing_values": "Missing values",
    "unseen_values": "Unseen values",
    "summary_stats": "Summary statistics",
}


def metric(name: str) -> MetricSpec:
    """The spec of a metric; an unknown name gets a neutral one (no direction, no range)."""
    found = METRICS.get(name)
    return found if found is not None else MetricSpec(name, name.replace("_", " ").capitalize())


def step(name: str) -> StepSpec:
    """The spec of a step; an unknown step sorts after the known ones and shows in no section of its own."""
    found = STEPS.get(name)
    if found is not None:
        return found
    return StepSpec(name, name.replace("_", " ").capitalize(), len(STEPS), 1000, "")


def step_rank(name: str) -> int:
    """Sort key of a step in results.json and report order; the resolution and unknown steps last."""
    return STEPS[name].order if name in STEPS else len(STEPS) + (0 if name == RESOLUTION else 1)


def performance_metrics(problem_type: str) -> tuple[str, ...]:
    """The performance metrics a problem type accepts in `performance.metrics`, in table order."""
    return tuple(m.name for m in _METRICS if problem_type in m.problem_types)


def primary_metrics() -> tuple[str, ...]:
    """Headline metrics, first choice first: the report leads with the first one a run has."""
    ranked = sorted((m for m in _METRICS if m.primary is not None), key=lambda m: m.primary or 0)
    return tuple(m.name for m in ranked)


def count_metrics() -> tuple[str, ...]:
    """The confusion-matrix counts (no thresholds; tables only)."""
    return CONFUSION_COUNTS


def table_order(name: str) -> tuple[int, str]:
    """Sort key of a metric in performance tables."""
    return metric(name).order, name
