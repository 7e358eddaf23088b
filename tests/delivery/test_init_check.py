"""`init` guesses a config from a data file that `check` then accepts; `check` names bad input (exit 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import simulate_binary

from reportgen.commands.check import command as check
from reportgen.commands.init import command as init
from reportgen.config import load_config


def write_pair(folder: Path) -> Path:
    ref, ana = simulate_binary(1500, 0, seed=1), simulate_binary(1500, 1500, seed=2)
    ref = ref.rename(columns={"y": "target"})
    ana = ana.rename(columns={"y": "target"})
    ref.to_csv(folder / "reference.csv", index=False)
    ana.drop(columns=["target"]).to_csv(folder / "analysis.csv", index=False)
    ana[["id", "target"]].to_csv(folder / "analysis_targets.csv", index=False)
    return folder / "reference.csv"


def test_init_guesses_roles_kinds_and_problem(tmp_path: Path) -> None:
    data = write_pair(tmp_path)
    result = CliRunner().invoke(init, [str(data)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "reportgen.yaml"
    text = path.read_text()
    assert text.count("#") > 20  # every key explained
    raw = yaml.safe_load(text)
    assert raw["problem_type"] == "binary_classification"
    assert raw["columns"] == {
        "id": "id",
        "timestamp": "timestamp",
        "prediction": "y_pred",
        "predicted_probability": "y_pred_proba",
        "target": "target",
        "features": ["x", "cat"],
        "categorical": ["cat"],
        "continuous": ["x"],
    }
    assert (raw["reference"], raw["analysis"], raw["targets"]) == (
        "reference.csv",
        "analysis.csv",
        "analysis_targets.csv",
    )
    assert raw["chunking"] == {"period": "W"}
    config = load_config(path)
    assert config.columns.categorical == ("cat",)
    again = CliRunner().invoke(init, [str(data)])
    assert again.exit_code != 0 and "already exists" in str(again.exception or again.output)


def test_init_regression_and_multiclass(tmp_path: Path) -> None:
    from reportgen.commands.init import guess_config

    rng = np.random.default_rng(0)
    reg = pd.DataFrame(
        {"x": rng.normal(size=200), "prediction": rng.normal(size=200) * 100, "actual": rng.normal(size=200)}
    )
    g = guess_config(reg, data_path=tmp_path / "d.csv", config_path=tmp_path / "c.yaml")
    assert (g["problem_type"], g["prediction"], g["target"], g["predicted_probability"]) == (
        "regression",
        "prediction",
        "actual",
        None,
    )
    p = rng.dirichlet([1, 1, 1], size=200)
    multi = pd.DataFrame(
        {
            "x": rng.normal(size=200),
            "y_pred": rng.choice(["a", "b", "c"], 200),
            "y_true": rng.choice(["a", "b", "c"], 200),
            "proba_a": p[:, 0],
            "proba_b": p[:, 1],
            "proba_c": p[:, 2],
        }
    )
    g = guess_config(multi, data_path=tmp_path / "d.csv", config_path=tmp_path / "c.yaml")
    assert g["problem_type"] == "multiclass_classification"
    assert g["predicted_probability"] == {"a": "proba_a", "b": "proba_b", "c": "proba_c"}
    assert g["features"] == ["x"]


def test_check_accepts_what_init_wrote(tmp_path: Path) -> None:
    data = write_pair(tmp_path)
    CliRunner().invoke(init, [str(data), "-o", str(tmp_path / "m.yaml")])
    result = CliRunner().invoke(check, [str(tmp_path / "m.yaml")])
    assert result.exit_code == 0, result.output
    assert "OK (binary_classification)" in result.output
    assert "1,500 rows" in result.output and "targets in analysis: yes" in result.output


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["columns"].update(prediction="nope"), "missing column(s) 'nope'"),
        (lambda c: c.update(problem_type="binary"), "problem_type"),
        (lambda c: c.update(analysis="gone.csv"), "gone.csv"),
    ],
)
def test_check_names_the_problem(tmp_path: Path, edit, message: str) -> None:
    from reportgen.errors import ReportgenError

    data = write_pair(tmp_path)
    CliRunner().invoke(init, [str(data), "-o", str(tmp_path / "m.yaml")])
    raw = yaml.safe_load((tmp_path / "m.yaml").read_text())
    edit(raw)
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(raw))
    result = CliRunner().invoke(check, [str(tmp_path / "m.yaml")])
    assert isinstance(result.exception, ReportgenError) and result.exception.exit_code == 2
    assert message in str(result.exception)


def test_init_finds_a_target_by_its_values(tmp_path: Path) -> None:
    from reportgen.commands.init import guess_config

    rng = np.random.default_rng(1)
    truth = rng.normal(size=300) * 50 + 100
    reg = pd.DataFrame(
        {
            "age": rng.integers(18, 80, 300).astype(float) + 0.5,
            "y_pred": truth + rng.normal(size=300) * 10,
            "loss_amount": truth,
        }
    )
    g = guess_config(reg, data_path=tmp_path / "d.csv", config_path=tmp_path / "c.yaml")
    assert (g["problem_type"], g["target"]) == ("regression", "loss_amount") and g["features"] == ["age"]
    p = rng.dirichlet([1, 1, 1], size=300)
    labels = np.array(["A", "B", "C"])
    multi = pd.DataFrame(
        {
            "region": rng.choice(["n", "s"], 300),
            "y_pred_proba_A": p[:, 0],
            "y_pred_proba_B": p[:, 1],
            "y_pred_proba_C": p[:, 2],
            "y_pred": labels[p.argmax(axis=1)],
            "credit_grade": rng.choice(labels, 300),
        }
    )
    g = guess_config(multi, data_path=tmp_path / "d.csv", config_path=tmp_path / "c.yaml")
    assert (g["problem_type"], g["target"], g["features"]) == ("multiclass_classification", "credit_grade", ["region"])
    assert g["predicted_probability"] == {"A": "y_pred_proba_A", "B": "y_pred_proba_B", "C": "y_pred_proba_C"}


def test_init_takes_the_target_from_a_targets_file(tmp_path: Path) -> None:
    from reportgen.commands.init import guess_config

    frame = pd.DataFrame(
        {
            "id": range(50),
            "x": np.linspace(0, 1, 50),
            "y_pred": [0, 1] * 25,
            "score_proba": np.linspace(0, 1, 50),
            "outcome_flag": [1, 0] * 25,
        }
    )
    frame.to_csv(tmp_path / "reference.csv", index=False)
    frame.drop(columns=["outcome_flag"]).to_csv(tmp_path / "analysis.csv", index=False)
    frame[["id", "outcome_flag"]].to_csv(tmp_path / "analysis_targets.csv", index=False)
    g = guess_config(frame, data_path=tmp_path / "reference.csv", config_path=tmp_path / "c.yaml")
    assert (g["target"], g["targets"], g["predicted_probability"]) == (
        "outcome_flag",
        "analysis_targets.csv",
        "score_proba",
    )


@pytest.mark.parametrize("name", ["loans_analysis_gt.csv", "loans_analysis_target.csv"])
def test_init_finds_targets_files_spelled_the_nannyml_way(tmp_path: Path, name: str) -> None:
    from reportgen.commands.init import guess_config

    frame = pd.DataFrame(
        {
            "id": range(50),
            "x": np.linspace(0, 1, 50),
            "y_pred": [0, 1] * 25,
            "y_pred_proba": np.linspace(0, 1, 50),
            "repaid": [1, 0] * 25,
        }
    )
    frame.to_csv(tmp_path / "loans_reference.csv", index=False)
    frame.drop(columns=["repaid"]).to_csv(tmp_path / "loans_analysis.csv", index=False)
    frame[["id", "repaid"]].to_csv(tmp_path / name, index=False)
    g = guess_config(frame, data_path=tmp_path / "loans_reference.csv", config_path=tmp_path / "c.yaml")
    assert (g["analysis"], g["targets"], g["target"]) == ("loans_analysis.csv", name, "repaid")


def test_init_finds_an_id_named_like_one_and_leaves_free_text_out(tmp_path: Path) -> None:
    from reportgen.commands.init import guess_config

    n = 200
    frame = pd.DataFrame(
        {
            "PassengerId": range(1, n + 1),
            "Name": [f"Person {i}" for i in range(n)],
            "Sex": ["f", "m"] * (n // 2),
            "Age": np.linspace(1, 80, n),
            "paid": [0, 1, 1, 1] * (n // 4),
            "y_pred": [0, 1] * (n // 2),
            "y_pred_proba": np.linspace(0, 1, n),
            "Survived": [1, 0] * (n // 2),
        }
    )
    frame.to_csv(tmp_path / "titanic_reference.csv", index=False)
    frame.drop(columns=["Survived"]).to_csv(tmp_path / "titanic_analysis.csv", index=False)
    frame[["PassengerId", "Survived"]].to_csv(tmp_path / "titanic_target.csv", index=False)
    g = guess_config(frame, data_path=tmp_path / "titanic_reference.csv", config_path=tmp_path / "c.yaml")
    assert (g["id"], g["target"], g["targets"]) == ("PassengerId", "Survived", "titanic_target.csv")
    assert "Name" not in g["features"] and {"Sex", "Age", "paid"} <= set(g["features"])
    assert any("Name" in note and "left out" in note for note in g["notes"])
