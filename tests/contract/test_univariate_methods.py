"""Every registered univariate drift method honours the method contract (parametrised over the registry)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.config import univariate_method_names
from reportgen.drift.methods import (
    UNIVARIATE_METHODS,
    categorical_chunks,
    categorical_profile,
    continuous_chunks,
    continuous_profile,
)
from reportgen.errors import NotFittedError
from reportgen.results import validate_results
from reportgen.thresholds import THRESHOLDS
from tests.drift.univariate_helpers import make_data, run_step

NAMES = UNIVARIATE_METHODS.names()
CATS = ("a", "b", "c")


def test_registry_matches_the_config_vocabulary():
    """Config validation reads the method modules' file names; each file registers the method of its name."""
    assert univariate_method_names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_class_describes_itself(name):
    cls = UNIVARIATE_METHODS.get(name)
    assert cls.name == name and cls.display_name and len(cls.description) > 80
    assert set(cls.kinds) <= {"continuous", "categorical"} and cls.kinds
    assert cls.metric in cls.metrics
    assert set(cls.metrics) <= {"statistic", "p_value", "distance", "scaled_distance"}
    assert set(cls.direction) == set(cls.metrics) and set(cls.value_range) == set(cls.metrics)
    assert set(cls.direction.values()) <= {"higher_is_worse", "lower_is_worse"}
    assert set(cls.default_threshold) <= set(cls.metrics) and cls.default_threshold
    for rule in cls.default_threshold.values():
        assert rule.type in THRESHOLDS


def _inputs(kind: str, rng: np.random.Generator):
    if kind == "continuous":
        return {"v": rng.normal(size=400)}, {"v": rng.normal(size=300)}, {}
    return {"v": rng.integers(0, 3, 400)}, {"v": rng.integers(0, 5, 300)}, {"v": CATS}  # 3 = unseen, 4 = missing


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_score_before_fit_fails(name):
    cls = UNIVARIATE_METHODS.get(name)
    kind = cls.kinds[0]
    prof = continuous_profile(np.arange(10.0)) if kind == "continuous" else categorical_profile(np.arange(10) % 3, CATS)
    cp = (
        continuous_chunks(prof, np.arange(5.0), [(0, 5)], np.zeros(1, bool))
        if kind == "continuous"
        else categorical_chunks(prof, np.arange(5) % 3, [(0, 5)], np.zeros(1, bool))
    )
    with pytest.raises(NotFittedError, match=f"{cls.__name__} is not fitted"):
        cls().score(cp)
    method = cls()
    assert method.fit(prof) is method
    other = "categorical" if kind == "continuous" else "continuous"
    if other not in cls.kinds:
        wrong = (
            categorical_profile(np.arange(4) % 2, (0, 1))
            if other == "categorical"
            else continuous_profile(np.arange(4.0))
        )
        with pytest.raises(ValueError, match=name):
            cls().fit(wrong)


@pytest.mark.parametrize("name", NAMES)
def test_step_output_schema_determinism_and_unmutated_inputs(name):
    cls = UNIVARIATE_METHODS.get(name)
    for kind in cls.kinds:
        rng = np.random.default_rng(3)
        ref, ana, cats = _inputs(kind, rng)
        before = (ref["v"].copy(), ana["v"].copy())
        data = make_data(ref, ana, 100, categories=cats, config={"drift": {"univariate": [name]}})
        kept = (data.reference.features["v"].values.copy(), data.analysis.features["v"].values.copy())
        _, res = run_step(data)
        validate_results(res)
        assert set(res["metric"]) == set(cls.metrics) and set(res["method"]) == {name}
        assert len(res) == len(cls.metrics) * len(data.chunks)
        for metric in cls.metrics:
            vals = res[res.metric == metric]["value"]
            lo, hi = cls.value_range[metric]
            assert vals.notna().all()
            assert lo is None or (vals >= lo).all()
            assert hi is None or (vals <= hi).all()
        alerting = res[res.metric == cls.metric]
        assert alerting["alert"].notna().all() and alerting["upper_threshold"].notna().all()
        _, again = run_step(data)
        pd.testing.assert_frame_equal(res, again)
        np.testing.assert_array_equal(data.reference.features["v"].values, kept[0])
        np.testing.assert_array_equal(data.analysis.features["v"].values, kept[1])
        np.testing.assert_array_equal(ref["v"], before[0])
        np.testing.assert_array_equal(ana["v"], before[1])


@pytest.mark.parametrize("name", NAMES)
def test_constant_all_missing_and_one_row_chunks(name):
    cls = UNIVARIATE_METHODS.get(name)
    for kind in cls.kinds:
        cats = {"v": CATS} if kind == "categorical" else {}
        missing = 4 if kind == "categorical" else np.nan
        const = np.zeros(40)
        # constant reference and constant analysis: zero drift, no alert
        _, res = run_step(
            make_data({"v": const}, {"v": const[:20]}, 10, categories=cats, config={"drift": {"univariate": [name]}})
        )
        main = res[res.metric == cls.metric]
        assert main["value"].notna().all() and not main["alert"].astype(bool).any()
        # a chunk with every value missing: NaN with a note, never an alert
        ana = np.concatenate([np.zeros(10), np.full(10, missing)])
        _, res = run_step(
            make_data({"v": const}, {"v": ana}, 10, categories=cats, config={"drift": {"univariate": [name]}})
        )
        last = res[res.chunk_index == res.chunk_index.max()]
        assert last["value"].isna().all() and last["alert"].isna().all()
        assert (last["note"] == "no non-missing values in this chunk").all()
        # one-row chunks
        rng = np.random.default_rng(4)
        ref = rng.integers(0, 3, 30) if kind == "categorical" else rng.normal(size=30)
        ana = rng.integers(0, 3, 5) if kind == "categorical" else rng.normal(size=5)
        _, res = run_step(
            make_data(
                {"v": ref}, {"v": ana}, 1, categories=cats, ref_chunk_size=10, config={"drift": {"univariate": [name]}}
            )
        )
        validate_results(res)
        assert res[res.period == "analysis"]["value"].notna().all()
