"""Config: every mistake is one ConfigError naming the file, the key, what was found and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import load_config, validate_config
from reportgen.errors import ConfigError
from tests.input_cases import CONFIG_CASES, Case, broken, write_files


@pytest.mark.parametrize("case", CONFIG_CASES, ids=lambda c: c.name)
def test_each_config_mistake_names_file_key_and_fix(case: Case, tmp_path: Path) -> None:
    path = write_files(tmp_path, broken(case))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for fragment in case.expect:
        assert fragment in message, (fragment, message)
    assert "\n" not in message


def test_paths_are_relative_to_the_config_file_and_flags_win(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "model.yaml").write_text(
        "problem_type: regression\nreference: data/ref.csv\nanalysis: /abs/ana.parquet\ncolumns: {prediction: y_pred}\nchunking: {size: 10}\n"
    )
    config = load_config(folder / "model.yaml", {"analysis": "/elsewhere/a.csv", "chunking.size": 20, "targets": None})
    assert config.reference == str((folder / "data" / "ref.csv").resolve())
    assert config.analysis == "/elsewhere/a.csv"
    assert config.chunking.size == 20 and config.targets is None
    assert config.source == str(folder / "model.yaml")


def test_toml_and_yaml_give_the_same_config(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "problem_type: regression\ncolumns:\n  prediction: p\n  features: [a, b]\nchunking: {period: W}\ncolumns_extra: 1\n".replace(
            "columns_extra: 1\n", ""
        )
    )
    (tmp_path / "a.toml").write_text(
        'problem_type = "regression"\n[columns]\nprediction = "p"\nfeatures = ["a", "b"]\n[chunking]\nperiod = "W"\n'
    )
    with pytest.raises(ConfigError, match="period chunking needs columns.timestamp"):
        load_config(tmp_path / "a.yaml")
    for name in ("a.yaml", "a.toml"):
        text = (tmp_path / name).read_text()
        (tmp_path / name).write_text(
            text.replace("prediction: p", "prediction: p\n  timestamp: t").replace(
                'prediction = "p"', 'prediction = "p"\ntimestamp = "t"'
            )
        )
    assert load_config(tmp_path / "a.yaml").resolved() == load_config(tmp_path / "a.toml").resolved()


def test_config_objects_are_frozen() -> None:
    config = validate_config({"problem_type": "regression", "columns": {"prediction": "p"}})
    with pytest.raises(ValueError):
        config.title = "changed"  # type: ignore[misc]
    with pytest.raises(ValueError):
        config.chunking.size = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("problem_type: [unclosed", ("cannot parse",)),
        ("- a\n- b\n", ("top level must be a mapping",)),
    ],
)
def test_unreadable_config_files(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and all(f in str(info.value) for f in fragments)


def test_missing_config_file_and_wrong_extension(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"use \.yaml, \.yml or \.toml"):
        load_config(tmp_path / "model.json")


def test_threshold_keys_most_specific_wins() -> None:
    config = validate_config(
        {
            "problem_type": "binary_classification",
            "columns": {"prediction": "y", "predicted_probability": "p"},
            "thresholds": {
                "univariate_drift": {"type": "constant", "upper": 0.3},
                "univariate_drift.jensen_shannon": {"type": "constant", "upper": 0.1},
                "estimated_performance.cbpe.roc_auc": {"type": "standard_deviation", "std_lower_multiplier": 2},
            },
        }
    )
    assert config.threshold_for("univariate_drift", "jensen_shannon").upper == 0.1
    assert config.threshold_for("univariate_drift", "kolmogorov_smirnov").upper == 0.3
    assert config.threshold_for("estimated_performance", "cbpe", "roc_auc").std_lower_multiplier == 2
    assert config.threshold_for("estimated_performance", "cbpe", "f1") is None
    with pytest.raises(ConfigError, match="unknown step 'univariate_drfit'.*did you mean 'univariate_drift'"):
        validate_config(
            {
                "problem_type": "regression",
                "columns": {"prediction": "y"},
                "thresholds": {"univariate_drfit": {"type": "constant"}},
            }
        )
    with pytest.raises(ConfigError, match="thresholds.univariate_drift.typ'.*did you mean 'type'"):
        validate_config(
            {
                "problem_type": "regression",
                "columns": {"prediction": "y"},
                "thresholds": {"univariate_drift": {"typ": "constant"}},
            }
        )


def test_unquoted_integer_class_keys_in_yaml(tmp_path: Path) -> None:
    """`predicted_probability: {0: p_0, 1: p_1, 2: p_2}` (YAML int keys) was refused as 'expected text' (regression)."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "problem_type: multiclass_classification\ncolumns:\n  prediction: y_pred\n  predicted_probability: {0: p_0, 1: p_1, 2: p_2}\n"
    )
    config = load_config(path)
    assert config.columns.predicted_probability == {"0": "p_0", "1": "p_1", "2": "p_2"}
