"""Dataset: each column once as a numpy array; categorical codes against the reference vocabulary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.config import validate_config
from reportgen.dataset import class_labels, data_summary, encode_categorical, encode_classes, infer_kind, vocabulary
from reportgen.io import prepare_data
from tests.input_cases import simulate


@settings(max_examples=80, deadline=None)
@given(
    ref=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=40),
    ana=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "e", "f"])), max_size=40),
)
def test_codes_decode_to_the_values(ref: list[str], ana: list) -> None:
    categories = vocabulary(pd.Series(ref))
    codes = encode_categorical(pd.Series(ana, dtype=object), categories)
    k = len(categories)
    assert codes.dtype == np.int32 and len(codes) == len(ana)
    for value, code in zip(ana, codes):
        if value is None:
            assert code == k + 1
        elif value in categories:
            assert categories[code] == value
        else:
            assert code == k
    counts = np.bincount(codes, minlength=k + 2)
    assert counts.sum() == len(ana) and counts[k + 1] == sum(v is None for v in ana)


def test_labels_match_across_text_and_numbers() -> None:
    # A target file read as text ("1") against a reference read as numbers (1): same class.
    assert encode_classes(pd.Series(["1", "0", None, "7"], dtype=object), (0, 1)).tolist() == [1, 0, -1, -2]
    assert encode_categorical(pd.Series([1, 2, 9]), ("1", "2")).tolist() == [0, 1, 2]


def test_infer_kind() -> None:
    assert infer_kind(pd.Series([1, 2, 3])) == "continuous"
    assert infer_kind(pd.Series([1.5, np.nan])) == "continuous"
    assert infer_kind(pd.Series(["a", "b"])) == "categorical"
    assert infer_kind(pd.Series([True, False])) == "categorical"
    assert infer_kind(pd.Series(["a", "b"], dtype="category")) == "categorical"


def test_class_labels() -> None:
    binary = validate_config(
        {
            "problem_type": "binary_classification",
            "columns": {"prediction": "p", "predicted_probability": "s", "target": "y"},
        }
    )
    frame = pd.DataFrame({"p": ["no", "yes"], "y": ["yes", "yes"]})
    assert class_labels(binary, frame) == ("no", "yes")
    positive = validate_config({**binary.resolved(), "positive_class": "no"})
    assert class_labels(positive, frame) == ("yes", "no")
    multi = validate_config(
        {
            "problem_type": "multiclass_classification",
            "columns": {"prediction": "p", "predicted_probability": {"1": "p1", "2": "p2", "3": "p3"}},
        }
    )
    assert class_labels(multi, pd.DataFrame({"p": [1, 2, 3]})) == (
        1,
        2,
        3,
    )  # config keys are text; data labels are ints


def make_data(**columns_extra):
    reference = simulate(300, 0, seed=1)
    analysis = simulate(300, 300, seed=2)
    for frame in (reference, analysis):
        frame["doors"] = np.where(frame["x"] > 0, 5, 3)
        frame["const"] = 1.0
    analysis.loc[:9, "cat"] = "zzz"
    config = validate_config(
        {
            "problem_type": "binary_classification",
            "columns": {
                "id": "id",
                "timestamp": "timestamp",
                "prediction": "y_pred",
                "predicted_probability": "y_pred_proba",
                "target": "y",
                **columns_extra,
            },
            "chunking": {"number": 3},
        }
    )
    return prepare_data(config, reference, analysis)


def test_arrays_and_outputs() -> None:
    data = make_data()
    ref = data.reference
    assert ref.features["x"].values.dtype == np.float64 and ref.features["cat"].values.dtype == np.int32
    assert ref.features["cat"].categories == ("a", "b", "c") and ref.features["cat"].n_levels == 5
    assert ref.y_proba.shape == (300, 2) and np.allclose(ref.y_proba.sum(axis=1), 1.0)
    assert ref.classes == (0, 1) and set(np.unique(ref.y_pred)) <= {0, 1}
    assert list(ref.outputs) == ["y_pred", "y_pred_proba", "y"]
    assert [c.role for c in ref.outputs.values()] == ["prediction", "probability", "target"]
    assert (data.analysis.features["cat"].values[:10] == 3).all()  # unseen code K
    assert data.analysis.has_targets  # the target column came with the analysis frame


def test_data_summary_flags_low_cardinality_integers_constants_and_unseen() -> None:
    rows = {r["name"]: r for r in data_summary(make_data())}
    assert set(rows["doors"]) == {
        "name",
        "kind",
        "role",
        "rows",
        "missing",
        "distinct",
        "analysis_rows",
        "analysis_missing",
        "note",
    }
    assert (
        rows["doors"]["kind"] == "continuous"
        and rows["doors"]["distinct"] == 2
        and "columns.categorical" in rows["doors"]["note"]
    )
    assert "constant" in rows["const"]["note"]
    assert rows["cat"]["note"] == "10 analysis values never seen in the reference"
    assert rows["x"]["note"] == "" and rows["x"]["rows"] == 300 and rows["x"]["missing"] == 0
    assert rows["y_pred_proba"]["role"] == "probability"
    # Declared by the user: no advice to declare it.
    declared = {r["name"]: r for r in data_summary(make_data(continuous=["doors"]))}
    assert declared["doors"]["note"] == ""
    as_category = {r["name"]: r for r in data_summary(make_data(categorical=["doors"]))}
    assert as_category["doors"]["kind"] == "categorical"


def test_inputs_are_not_mutated() -> None:
    reference = simulate(300, 0, seed=1)
    analysis = simulate(300, 300, seed=2).sample(frac=1.0, random_state=1)
    before = (reference.copy(), analysis.copy())
    config = validate_config(
        {
            "problem_type": "binary_classification",
            "columns": {
                "id": "id",
                "timestamp": "timestamp",
                "prediction": "y_pred",
                "predicted_probability": "y_pred_proba",
                "target": "y",
            },
            "chunking": {"number": 2},
        }
    )
    prepare_data(config, reference, analysis)
    pd.testing.assert_frame_equal(reference, before[0])
    pd.testing.assert_frame_equal(analysis, before[1])


def test_float_labels_match_integer_class_names() -> None:
    """An int label column with gaps reads as float (1.0): it still matches class '1' (regression)."""
    from reportgen.dataset import encode_classes

    codes = encode_classes(pd.Series([0.0, 1.0, np.nan, 2.0, 3.5]), ("0", "1", "2"))
    assert codes.tolist() == [0, 1, -1, 2, -2]


def test_unknown_positive_class_is_a_config_error() -> None:
    """positive_class 7 with labels 0/1 gave a misleading 'predicted class 1 is not one of 0, 7' (regression)."""
    from reportgen.errors import ConfigError

    frame = simulate(50)
    config = validate_config(
        {
            "problem_type": "binary_classification",
            "positive_class": 7,
            "columns": {"prediction": "y_pred", "predicted_probability": "y_pred_proba", "target": "y"},
        }
    )
    with pytest.raises(ConfigError, match="positive_class 7 is not one of the labels in the reference"):
        class_labels(config, frame)
    float_labels = frame.assign(y=frame["y"].astype(float))
    assert class_labels(config.model_copy(update={"positive_class": 0}), float_labels) == (1, 0)


def test_identifier_like_text_is_left_out_of_default_features_with_a_warning():
    """Names and ticket numbers as categories would be 'unseen' in every chunk: by default they are
    left out (one warning naming them); listed features and declared categoricals are kept."""
    import warnings

    from reportgen.dataset import FeatureWarning, feature_names, identifier_like

    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "name": [f"passenger {i}" for i in range(n)],
            "ticket": [f"T{i % 300}" for i in range(n)],
            "city": rng.choice([f"c{i}" for i in range(80)], n),
            "sex": rng.choice(["f", "m"], n),
            "age": rng.normal(40, 10, n),
            "flag": rng.random(n) < 0.5,
            "p": rng.integers(0, 2, n),
            "s": rng.random(n),
            "y": rng.integers(0, 2, n),
        }
    )
    assert [c for c in frame if identifier_like(frame[c])] == ["name", "ticket"]
    base = {
        "problem_type": "binary_classification",
        "columns": {"prediction": "p", "predicted_probability": "s", "target": "y"},
    }
    with pytest.warns(FeatureWarning, match="left out of the features: name, ticket"):
        assert feature_names(validate_config(base), frame) == ["city", "sex", "age", "flag"]
    declared = validate_config({**base, "columns": {**base["columns"], "categorical": ["ticket"]}})
    with pytest.warns(FeatureWarning, match="left out of the features: name "):
        assert feature_names(declared, frame) == ["ticket", "city", "sex", "age", "flag"]
    listed = validate_config({**base, "columns": {**base["columns"], "features": ["name", "age"]}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert feature_names(listed, frame) == ["name", "age"]
