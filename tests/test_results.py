"""The result schema: records built by make_results pass validate_results; bad tables fail clearly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reportgen.errors import StepError
from reportgen.results import COLUMNS, concat_results, empty_results, make_results, to_records, validate_results


def records(**over):
    args = dict(
        step="univariate_drift",
        method="jensen_shannon",
        metric="distance",
        column="x",
        chunk_index=[0, 1, 2],
        period=["reference", "analysis", "analysis"],
        value=[0.1, np.nan, 0.3],
    )
    args.update(over)
    return make_results(**args)


def test_make_results_broadcasts_scalars_and_passes_the_validator() -> None:
    frame = records(upper_threshold=0.2, alert=[False, None, True], note=[None, "all missing", None])
    validate_results(frame)
    assert list(frame.columns) == list(COLUMNS)
    assert frame["upper_threshold"].tolist() == [0.2, 0.2, 0.2] and frame["lower_threshold"].isna().all()
    assert (
        frame["alert"].dtype == "boolean"
        and frame["value"].dtype == "float64"
        and frame["chunk_index"].dtype == "int64"
    )
    with pytest.raises(ValueError, match="expected 3 values, got 2"):
        records(value=[1.0, 2.0])


def test_records_are_json_ready() -> None:
    out = to_records(records(alert=[False, None, True]))
    assert out[1]["value"] is None and out[1]["alert"] is None and out[2]["alert"] is True
    assert isinstance(out[0]["chunk_index"], int) and isinstance(out[0]["value"], float)
    json.dumps(out, allow_nan=False)


def test_infinite_values_become_null_in_records() -> None:
    """A scaled distance is inf when the reference is constant; JSON has no infinity (regression)."""
    out = to_records(records(alert=[False, True, True]).assign(value=[1.0, np.inf, -np.inf]))
    assert [r["value"] for r in out] == [1.0, None, None]
    json.dumps(out, allow_nan=False)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.drop(columns=["alert"]), "lacks columns"),
        (lambda f: f.assign(extra=1), "unknown columns"),
        (lambda f: f.assign(step="drift"), "unknown step names"),
        (lambda f: f.assign(period="later"), "invalid periods"),
        (lambda f: f.assign(metric=None), "without a metric"),
        (lambda f: f.assign(value=["a", "b", "c"]), "is not float"),
        (lambda f: f.assign(chunk_index=0), "repeats the record"),
    ],
)
def test_validator_names_the_problem(mutate, message: str) -> None:
    with pytest.raises(StepError, match=message):
        validate_results(mutate(records()), step_name="demo")


def test_concat_keeps_schema_and_skips_empty() -> None:
    both = concat_results([records(), empty_results(), records(column="y")])
    assert len(both) == 6 and list(both.columns) == list(COLUMNS)
    assert len(concat_results([])) == 0 and list(concat_results([]).columns) == list(COLUMNS)
    validate_results(both)
