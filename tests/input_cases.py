"""Every bad input of issue 2 as data: how to break a small valid case and what the message must say.

Shared by tests/test_config.py, tests/test_io.py (through the Python API) and
tests/e2e/test_cli_basic.py (through the CLI: exit 2, one line on stderr, nothing written).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml


def simulate(n: int, start: int = 0, seed: int = 0) -> pd.DataFrame:
    """A small calibrated binary model with one continuous and one categorical feature."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    p = np.round(1.0 / (1.0 + np.exp(-2.0 * x)), 6)
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "timestamp": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n), unit="h")).strftime(
                "%Y-%m-%dT%H:%M:%S"
            ),
            "x": np.round(x, 6),
            "cat": rng.choice(["a", "b", "c"], n),
            "y_pred_proba": p,
            "y_pred": (p > 0.5).astype(int),
            "y": (rng.random(n) < p).astype(int),
        }
    )


def base_config() -> dict:
    return {
        "title": "Bad input case",
        "problem_type": "binary_classification",
        "reference": "reference.csv",
        "analysis": "analysis.csv",
        "targets": "analysis_targets.csv",
        "columns": {
            "id": "id",
            "timestamp": "timestamp",
            "prediction": "y_pred",
            "predicted_probability": "y_pred_proba",
            "target": "y",
        },
        "chunking": {"size": 100},
    }


@dataclass
class Files:
    reference: pd.DataFrame
    analysis: pd.DataFrame
    targets: pd.DataFrame | None
    config: dict
    raw: dict = field(default_factory=dict)  # file name -> exact text or bytes (e.g. an empty file)


def valid_files(n_ref: int = 400, n_ana: int = 400) -> Files:
    reference = simulate(n_ref, 0, seed=1)
    analysis = simulate(n_ana, n_ref, seed=2)
    targets = analysis[["id", "y"]].copy()
    return Files(reference, analysis.drop(columns=["y"]), targets, base_config())


def write_files(folder: Path, files: Files) -> Path:
    """Write the case into `folder`; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    files.reference.to_csv(folder / "reference.csv", index=False)
    files.analysis.to_csv(folder / "analysis.csv", index=False)
    if files.targets is not None:
        files.targets.to_csv(folder / "analysis_targets.csv", index=False)
    for name, text in files.raw.items():
        if isinstance(text, bytes):
            (folder / name).write_bytes(text)
        else:
            (folder / name).write_text(text)
    config = folder / "config.yaml"
    if "config.yaml" not in files.raw:
        config.write_text(yaml.safe_dump(files.config, sort_keys=False))
    return config


@dataclass
class Case:
    """A way to break the valid case and the fragments the one-line message must contain."""

    name: str
    breaks: Callable[[Files], None]
    expect: tuple[str, ...]
    file: str = "config.yaml"  # the file the message must name
    kind: str = "config"  # config | data


def _set(path: str, value) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        node = f.config
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    return apply


def _delete(path: str) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        node = f.config
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[part]
        del node[parts[-1]]

    return apply


def _both(*steps: Callable[[Files], None]) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        for step in steps:
            step(f)

    return apply


def _multiclass_single_proba(f: Files) -> None:
    f.config["problem_type"] = "multiclass_classification"


def _to_regression(f: Files) -> None:
    f.config["problem_type"] = "regression"
    del f.config["columns"]["predicted_probability"]
    for frame in (f.reference, f.analysis):
        frame["y_pred"] = frame["y_pred_proba"] * 100
    f.reference["y"] = f.reference["y"] * 100.0
    f.targets = f.targets.assign(y=f.targets["y"] * 100.0)


def _cell(frame_name: str, column: str, row: int, value) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        frame = getattr(f, frame_name)
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value

    return apply


def _drop(frame_name: str, *columns: str) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        setattr(f, frame_name, getattr(f, frame_name).drop(columns=list(columns)))

    return apply


def _all_missing(f: Files) -> None:
    f.analysis["x"] = np.nan


def _duplicate_id(f: Files) -> None:
    f.reference.loc[7, "id"] = 3


def _short_analysis(f: Files) -> None:
    f.analysis = f.analysis.iloc[:60]
    f.targets = f.targets.iloc[:60]


def _unseen_class(f: Files) -> None:
    f.analysis.loc[11, "y_pred"] = 2


def _duplicate_analysis_id(f: Files) -> None:
    """The analysis repeats an id while a targets file is joined (the targets' ids are unique)."""
    f.analysis.loc[9, "id"] = f.analysis.loc[4, "id"]


def _config_text(text: str) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        f.raw["config.yaml"] = text + "".join(
            f"{k}: {v}\n" for k, v in f.config.items() if k in ("reference", "analysis", "targets")
        )

    return apply


def _as_latin1(name: str) -> Callable[[Files], None]:
    def apply(f: Files) -> None:
        frame = f.reference if name == "reference.csv" else f.analysis
        frame["cat"] = frame["cat"].replace("a", "café")
        f.raw[name] = frame.to_csv(index=False).encode("latin-1")

    return apply


def _semicolons(f: Files) -> None:
    f.raw["analysis.csv"] = f.analysis.to_csv(index=False, sep=";")


CONFIG_CASES = [
    Case(
        "unknown_key",
        _both(_delete("chunking"), _set("chunkin", {"size": 100})),
        ("key 'chunkin'", "unknown key", "did you mean 'chunking'"),
    ),
    Case(
        "unknown_nested_key",
        _set("columns.predicton", "y_pred"),
        ("key 'columns.predicton'", "did you mean 'prediction'"),
    ),
    Case("wrong_type", _set("chunking.size", "big"), ("key 'chunking.size'", "expected a whole number", "'big'")),
    Case("missing_required_key", _delete("problem_type"), ("key 'problem_type'", "required key is missing")),
    Case(
        "two_chunking_options",
        _set("chunking.number", 4),
        ("key 'chunking'", "one of size, number or period", "size and number"),
    ),
    Case(
        "metric_for_wrong_problem",
        _set("performance.metrics", ["roc_auc", "rmse"]),
        ("performance.metrics", "'rmse'", "binary_classification", "allowed: roc_auc"),
    ),
    Case(
        "unknown_drift_method",
        _set("drift.univariate", ["ks"]),
        ("drift.univariate", "'ks'", "did you mean 'kolmogorov_smirnov'"),
    ),
    Case(
        "multiclass_without_class_probabilities",
        _multiclass_single_proba,
        ("columns.predicted_probability", "one probability column per class"),
    ),
    Case("negative_chunk_size", _set("chunking.size", -5), ("key 'chunking.size'", "positive", "-5")),
    Case(
        "unknown_theme",
        _set("output.theme", "darkk"),
        ("key 'output.theme'", "unknown theme 'darkk'", "did you mean 'dark'", "accepted:"),
    ),
    Case(
        "boolean_chunk_size",
        _set("chunking.size", True),
        ("key 'chunking.size'", "expected a number", "found true"),
    ),
    Case(
        "boolean_business_value",
        _set("business_value.matrix", {"true_positive": True, "false_positive": -1}),
        ("key 'business_value.matrix.true_positive'", "found true"),
    ),
    Case(
        "chunk_size_below_floor",
        _set("chunking.size", 3),
        ("key 'chunking'", "chunking.size 3", "floor of 10 rows", "chunking.min_rows"),
    ),
    Case(
        "chunk_number_above_maximum",
        _both(_delete("chunking.size"), _set("chunking.number", 5000)),
        ("chunking.number 5000", "chunking.max_chunks (2000)"),
    ),
    Case(
        "duplicate_yaml_key",
        _config_text(
            "problem_type: binary_classification\nchunking: {size: 100}\ncolumns:\n  id: id\n  prediction: y_pred\n"
            "  predicted_probability: y_pred_proba\n  target: y\n  prediction: x\n"
        ),
        ("duplicate key 'prediction' on lines 5 and 8", "keep one"),
    ),
    Case(
        "tab_in_yaml",
        _config_text("problem_type: binary_classification\ncolumns:\n\tprediction: y_pred\n"),
        ("a tab character at line 3", "spaces"),
    ),
    Case(
        "latin1_config",
        lambda f: f.raw.update({"config.yaml": "title: Caf\xe9\n".encode("latin-1")}),
        ("not UTF-8", "byte 0xe9 on line 1", "save the file as UTF-8"),
    ),
    Case(
        "problem_type_typo",
        _set("problem_type", "binary"),
        ("key 'problem_type'", "'binary'", "did you mean 'binary_classification'"),
    ),
]

DATA_CASES = [
    Case(
        "missing_columns",
        _drop("analysis", "y_pred_proba", "x"),
        ("missing column(s)", "'y_pred_proba' (columns.predicted_probability)", "'x'", "the file has"),
        "analysis.csv",
        "data",
    ),
    Case("empty_file", lambda f: f.raw.update({"analysis.csv": ""}), ("the file is empty",), "analysis.csv", "data"),
    Case(
        "header_only_file",
        lambda f: f.raw.update({"reference.csv": "id,timestamp,x,cat,y_pred_proba,y_pred,y\n"}),
        ("header but no rows",),
        "reference.csv",
        "data",
    ),
    Case(
        "duplicate_ids", _duplicate_id, ("column 'id'", "duplicate id 3", "data rows 4 and 8"), "reference.csv", "data"
    ),
    Case(
        "unparseable_timestamp",
        _cell("analysis", "timestamp", 5, "yesterday"),
        ("column 'timestamp'", "'yesterday'", "data row 6", "ISO 8601"),
        "analysis.csv",
        "data",
    ),
    Case(
        "non_numeric_regression_prediction",
        _both(_to_regression, _cell("analysis", "y_pred", 2, "abc")),
        ("column 'y_pred'", "must be numeric", "'abc'", "data row 3"),
        "analysis.csv",
        "data",
    ),
    Case(
        "probability_above_one",
        _cell("analysis", "y_pred_proba", 9, 1.7),
        ("column 'y_pred_proba'", "[0, 1]", "1.7", "data row 10"),
        "analysis.csv",
        "data",
    ),
    Case(
        "probability_missing",
        _cell("reference", "y_pred_proba", 0, np.nan),
        ("column 'y_pred_proba'", "missing (NaN)", "data row 1"),
        "reference.csv",
        "data",
    ),
    Case(
        "predicted_class_unseen",
        _unseen_class,
        ("column 'y_pred'", "predicted class 2", "data row 12", "not one of the model's classes"),
        "analysis.csv",
        "data",
    ),
    Case(
        "feature_all_missing",
        _all_missing,
        ("column 'x'", "every value is missing", "columns.features"),
        "analysis.csv",
        "data",
    ),
    Case(
        "feature_infinite",
        _cell("reference", "x", 3, np.inf),
        ("column 'x'", "must be finite", "inf", "data row 4"),
        "reference.csv",
        "data",
    ),
    Case(
        "regression_target_infinite",
        _both(_to_regression, _cell("reference", "y", 2, -np.inf)),
        ("column 'y'", "must be finite", "-inf", "data row 3"),
        "reference.csv",
        "data",
    ),
    Case(
        "duplicate_analysis_id_with_targets",
        _duplicate_analysis_id,
        ("column 'id'", "duplicate id 404", "data rows 5 and 10"),
        "analysis.csv",
        "data",
    ),
    Case(
        "huge_value_in_reference",
        _cell("reference", "x", 6, 1.5e308),
        ("column 'x'", "1.5e+308", "data row 7", "overflow", "rescale"),
        "reference.csv",
        "data",
    ),
    Case(
        "huge_value_in_analysis",
        _cell("analysis", "x", 2, -9e307),
        ("column 'x'", "-9e+307", "data row 3", "overflow"),
        "analysis.csv",
        "data",
    ),
    Case(
        "huge_regression_target",
        _both(_to_regression, _cell("reference", "y", 0, 1e300)),
        ("column 'y'", "1e+300", "data row 1"),
        "reference.csv",
        "data",
    ),
    Case(
        "chunks_below_floor",
        _both(_delete("chunking.size"), _set("chunking.number", 100)),
        ("100 chunks hold 4 rows each", "chunking.min_rows (10)", "chunking.number: 40"),
        "reference.csv",
        "data",
    ),
    Case(
        "too_many_chunks",
        _set("chunking.max_chunks", 3),
        ("chunks of 100 make 4 chunks", "chunking.max_chunks (3)", "chunking.size (at least 134)"),
        "reference.csv",
        "data",
    ),
    Case(
        "latin1_data",
        _as_latin1("reference.csv"),
        ("not UTF-8", "byte 0xe9", "save the file as UTF-8"),
        "reference.csv",
        "data",
    ),
    Case(
        "semicolon_separated",
        _semicolons,
        ("semicolon-separated", "comma-separated", "export it again with commas"),
        "analysis.csv",
        "data",
    ),
    Case(
        "analysis_smaller_than_a_chunk",
        _short_analysis,
        ("60 rows", "fewer than one chunk of 100", "chunking.size"),
        "analysis.csv",
        "data",
    ),
]

ALL_CASES = CONFIG_CASES + DATA_CASES


def broken(case: Case) -> Files:
    files = valid_files()
    files.config = copy.deepcopy(files.config)
    case.breaks(files)
    return files
