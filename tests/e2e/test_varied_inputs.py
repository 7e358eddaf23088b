"""Robustness: many small, varied datasets and configs through the CLI and the Python API.

Every case must exit 0 (or 3 with --fail-on-alert when an alert fires) and write a results.json
that follows DESIGN.md's contract, plus report.html. Held-out data is checked from outside the same
way, so a traceback on any plausible input is the worst outcome; these cases vary problem types,
label types, chunking, missing roles, odd column names and file formats.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from reportgen import Monitor
from reportgen.cli import main
from reportgen.contract import check_results_json

TOP_KEYS = {
    "reportgen_version",
    "title",
    "problem_type",
    "generated_at",
    "chunks",
    "results",
    "diagnoses",
    "recommendations",
    "summary",
}
CHUNK_KEYS = {"index", "key", "period", "start_row", "end_row", "start_time", "end_time", "rows"}
RESULT_KEYS = {
    "step",
    "method",
    "metric",
    "column",
    "chunk_index",
    "period",
    "value",
    "sampling_error",
    "lower_confidence",
    "upper_confidence",
    "lower_threshold",
    "upper_threshold",
    "alert",
}
DIAGNOSIS_KEYS = {"code", "severity", "title", "summary", "chunks", "features", "actions"}
CODES = {
    "performance_drop_covariate_shift",
    "concept_drift",
    "covariate_shift_no_impact",
    "data_quality",
    "prediction_drift",
    "business_value_drop",
    "no_issue",
}
CELLS = {"true_positive", "false_positive", "false_negative", "true_negative"}  # always reported for classification
STEPS = {
    "estimated_performance",
    "realized_performance",
    "business_value",
    "multivariate_drift",
    "univariate_drift",
    "data_quality",
    "summary_stats",
}


@dataclass
class Spec:
    """One varied input: what the data look like and which config keys are set."""

    name: str
    problem: str = "binary_classification"
    n_ref: int = 600
    n_ana: int = 600
    timestamp: bool = True
    id: bool = True
    targets: str = "file"  # file | partial | inside | none
    labels: str = "int"  # int | str | bool | one_two
    n_classes: int = 3
    features: tuple[str, ...] = ("num", "cat")
    chunking: dict = field(default_factory=lambda: {"size": 200})
    fmt: str = "csv"
    config_ext: str = "yaml"
    business_value: bool = False
    metrics: list[str] | None = None
    univariate: list[str] | None = None
    reg_target: str = "positive"  # positive | negative | zero
    shift: float = 0.0
    fail_on_alert: bool = False
    hours: float = 2.0  # time between rows
    html: bool = True  # False: json only, to keep the module fast where only the numbers vary
    extra: dict = field(default_factory=dict)  # more top-level config keys
    int_keys: bool = False  # multiclass probability map written with int keys (YAML: unquoted)
    target_gaps: bool = False  # every third target missing (an int label column then reads as float)
    error: tuple[str, ...] | None = None  # genuinely invalid: exit 2, one line with these fragments


def _feature(kind: str, n: int, rng: np.random.Generator, shift: float) -> tuple[str, Any]:
    """A feature column of the given kind: (name, values)."""
    if kind == "num":
        return "num", np.round(rng.normal(loc=shift, size=n), 5)
    if kind == "num2":
        return "num2", np.round(rng.exponential(size=n) + shift, 5)
    if kind == "int":
        return "count", rng.poisson(3, n)
    if kind == "cat":
        return "cat", rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    if kind == "cat2":
        return "colour", rng.choice(["red", "green", "blue", "grey"], n)
    if kind == "const":
        return "const", np.full(n, 7.0)
    if kind == "const_cat":
        return "const_cat", np.full(n, "same", dtype=object)
    if kind == "highcard":
        return "zip", np.array([f"z{v:03d}" for v in rng.integers(0, 500, n)], dtype=object)
    if kind == "missing95":
        v = rng.normal(size=n)
        v[rng.random(n) < 0.95] = np.nan
        return "mostly_missing", v
    if kind == "all_missing":
        return "empty", np.full(n, np.nan)
    if kind in ("const_then_varies", "inf_in_analysis"):  # altered in the analysis by make_frames
        return ("const", np.full(n, 7.0)) if kind == "const_then_varies" else ("num", np.round(rng.normal(size=n), 5))
    if kind == "empty_in_analysis":  # a broken export: every value missing in the analysis only
        return "broken", np.round(rng.normal(size=n), 5)
    if kind == "odd_names":
        return "<b>höhe</b> & größe €", np.round(rng.normal(loc=shift, size=n), 5)
    if kind == "space_cat":
        return "salary range ✓", rng.choice(["low", "mid", "<i>high</i>"], n)
    raise ValueError(kind)


def make_frames(spec: Spec, seed: int, n: int, start: int, shift: float) -> pd.DataFrame:
    """One period's rows for `spec`: features, model outputs, target column `y`."""
    rng = np.random.default_rng(seed)
    frame: dict[str, Any] = {}
    if spec.id:
        frame["id"] = np.arange(start, start + n)
    if spec.timestamp:
        frame["timestamp"] = (
            pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n) * spec.hours * 3600, unit="s")
        ).strftime("%Y-%m-%dT%H:%M:%S")
    for kind in spec.features:
        name, values = _feature(kind, n, rng, shift)
        frame[name] = values
    if "const_then_varies" in spec.features and start > 0:  # constant in the reference only
        frame["const"] = np.arange(n, dtype=float)
    if "inf_in_analysis" in spec.features and start > 0:
        frame["num"][:5] = np.inf
    if "empty_in_analysis" in spec.features and start > 0:
        frame["broken"] = np.full(n, np.nan)
    signal = rng.normal(loc=shift, size=n)
    if spec.problem == "binary_classification":
        p = np.round(1.0 / (1.0 + np.exp(-2.0 * signal)), 6)
        y = (rng.random(n) < p).astype(int)
        pred = (p > 0.5).astype(int)
        mapping = {"int": (0, 1), "str": ("no", "yes"), "bool": (False, True), "one_two": (1, 2)}[spec.labels]
        frame["y_pred_proba"] = p
        frame["y_pred"] = np.where(pred == 1, mapping[1], mapping[0])
        frame["y"] = np.where(y == 1, mapping[1], mapping[0])
        if spec.labels == "bool":
            frame["y_pred"] = frame["y_pred"].astype(bool)
            frame["y"] = frame["y"].astype(bool)
    elif spec.problem == "multiclass_classification":
        k = spec.n_classes
        logits = rng.normal(size=(n, k)) + np.outer(signal, np.linspace(-1, 1, k))
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        proba = np.round(proba, 6)
        proba[:, -1] = np.round(1.0 - proba[:, :-1].sum(axis=1), 6)
        labels = list(range(k)) if spec.labels == "int" else [f"class {chr(65 + i)}" for i in range(k)]
        cum = proba.cumsum(axis=1)
        y = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), k - 1)
        pred = proba.argmax(axis=1)
        for i, _label in enumerate(labels):
            frame[f"p_{i}"] = proba[:, i]
        frame["y_pred"] = np.asarray(labels, dtype=object)[pred] if spec.labels != "int" else pred
        frame["y"] = np.asarray(labels, dtype=object)[y] if spec.labels != "int" else y
    else:
        pred = 10.0 + 3.0 * signal
        y = pred + rng.normal(scale=1.0, size=n)
        if spec.reg_target == "negative":
            pred, y = pred - 12.0, y - 12.0
        elif spec.reg_target == "zero":
            y = np.where(rng.random(n) < 0.2, 0.0, y)
        frame["y_pred"] = np.round(pred, 5)
        frame["y"] = np.round(y, 5)
    out = pd.DataFrame(frame)
    if spec.target_gaps:
        out["y"] = out["y"].astype(object).where(out.index % 3 != 0, None)
    return out


def build(spec: Spec, folder: Path) -> Path:
    """Write the spec's files and config into `folder`; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    ref = make_frames(spec, 1, spec.n_ref, 0, 0.0)
    ana = make_frames(spec, 2, spec.n_ana, spec.n_ref, spec.shift)
    ext = "parquet" if spec.fmt == "parquet" else "csv"
    columns: dict[str, Any] = {"prediction": "y_pred"}
    if spec.id:
        columns["id"] = "id"
    if spec.timestamp:
        columns["timestamp"] = "timestamp"
    if spec.problem == "binary_classification":
        columns["predicted_probability"] = "y_pred_proba"
    elif spec.problem == "multiclass_classification":
        labels = (
            list(range(spec.n_classes))
            if spec.labels == "int"
            else [f"class {chr(65 + i)}" for i in range(spec.n_classes)]
        )
        columns["predicted_probability"] = {
            (label if spec.int_keys else str(label)): f"p_{i}" for i, label in enumerate(labels)
        }
    config: dict[str, Any] = {
        "title": f"Varied <b>{spec.name}</b>",
        "problem_type": spec.problem,
        "reference": f"reference.{ext}",
        "analysis": f"analysis.{ext}",
        "columns": columns,
        "chunking": spec.chunking,
    }
    if spec.targets == "none":  # the reference has targets, the analysis none
        ana = ana.drop(columns=["y"])
        columns["target"] = "y"
    else:
        columns["target"] = "y"
        if spec.targets in ("file", "partial"):
            targets = ana[["id", "y"]].copy()
            if spec.targets == "partial":
                targets = targets.iloc[: len(targets) // 3]
            ana = ana.drop(columns=["y"])
            _write(targets, folder / f"analysis_targets.{ext}")
            config["targets"] = f"analysis_targets.{ext}"
    if spec.business_value:
        if spec.problem == "regression":
            config["business_value"] = {"over_prediction_cost": -2.0, "under_prediction_cost": -5.0}
        elif spec.problem == "binary_classification":
            config["business_value"] = {
                "matrix": {"true_positive": 500, "false_positive": -200, "false_negative": -1000, "true_negative": 0}
            }
        else:
            k = spec.n_classes
            config["business_value"] = {
                "value_matrix": [[10.0 if i == j else -5.0 for j in range(k)] for i in range(k)]
            }
    config.update(spec.extra)
    if spec.metrics:
        config["performance"] = {"metrics": spec.metrics}
    if spec.univariate:
        config["drift"] = {"univariate": spec.univariate}
    _write(ref, folder / f"reference.{ext}")
    _write(ana, folder / f"analysis.{ext}")
    path = folder / f"config.{spec.config_ext}"
    if spec.config_ext == "toml":
        path.write_text(_toml(config), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _toml(config: dict[str, Any]) -> str:
    """A tiny TOML writer: scalars first, then one table per mapping."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
    return "\n".join(lines) + "\n"


def check_payload(payload: dict[str, Any], spec: Spec) -> None:
    """results.json follows DESIGN.md's contract."""
    assert set(payload) >= TOP_KEYS, set(payload) ^ TOP_KEYS
    assert payload["problem_type"] == spec.problem
    chunks = payload["chunks"]
    assert chunks and all(set(c) >= CHUNK_KEYS for c in chunks)
    assert [c["index"] for c in chunks] == list(range(len(chunks)))
    periods = [c["period"] for c in chunks]
    assert set(periods) == {"reference", "analysis"} and periods == sorted(periods, key=lambda p: p != "reference")
    for c in chunks:
        assert c["rows"] == c["end_row"] - c["start_row"] > 0
    indexes = {c["index"] for c in chunks}
    results = payload["results"]
    assert results
    for r in results:
        assert set(r) >= RESULT_KEYS, set(r) ^ RESULT_KEYS
        assert r["step"] in STEPS, r["step"]
        assert r["chunk_index"] in indexes and r["period"] in ("reference", "analysis")
        assert r["alert"] in (True, False, None)
        for key in (
            "value",
            "sampling_error",
            "lower_confidence",
            "upper_confidence",
            "lower_threshold",
            "upper_threshold",
        ):
            assert r[key] is None or (isinstance(r[key], (int, float)) and math.isfinite(r[key])), (key, r)
    steps = {r["step"] for r in results}
    assert {"univariate_drift", "data_quality"} <= steps
    assert "estimated_performance" in steps
    for d in payload["diagnoses"]:
        assert set(d) >= DIAGNOSIS_KEYS and d["code"] in CODES and d["severity"] in ("info", "warning", "alert"), d
    summary = payload["summary"]
    assert summary["status"] in ("ok", "warning", "alert")
    # Sections may also be "info" (noticed, not actionable; resolution's design, asserted in tests/resolution).
    # no_data: a section without a usable record (no labels, every chunk below its method's minimum rows)
    assert all(s in ("ok", "info", "warning", "alert", "no_data") for s in summary["sections"].values())
    assert isinstance(payload["recommendations"], list)


BIN = "binary_classification"
MC = "multiclass_classification"
REG = "regression"

SPECS = [
    Spec("binary_basic"),
    Spec("binary_no_timestamp_size", timestamp=False, chunking={"size": 150}),
    Spec("binary_no_timestamp_number", timestamp=False, chunking={"number": 4}, html=False),
    Spec("binary_no_id_no_targets", id=False, targets="none"),
    Spec("binary_partial_targets", targets="partial"),
    Spec("binary_targets_inside", targets="inside", id=False),
    Spec("binary_string_labels", labels="str"),
    Spec("binary_bool_labels", labels="bool"),
    Spec("binary_labels_1_2", labels="one_two", html=False),
    Spec("binary_single_feature", features=("num",)),
    Spec("binary_only_categorical", features=("cat", "cat2")),
    Spec("binary_only_numeric", features=("num", "num2", "int"), html=False),
    Spec("binary_constant_features", features=("num", "const", "const_cat")),
    # regression: Wasserstein's scaled distance is inf for a feature constant in the reference;
    # results.json could not be written (allow_nan=False) and the HTML's number filter crashed
    Spec("binary_constant_in_reference_varies_later", features=("num", "const_then_varies")),
    Spec("binary_high_cardinality", features=("num", "highcard")),
    Spec("binary_95pct_missing", features=("num", "missing95")),
    # issue 2: a feature that is all missing is a data error (exit 2, one line naming file and column)
    Spec(
        "binary_feature_empty_in_analysis",
        features=("num", "empty_in_analysis"),
        error=("analysis.csv", "column 'broken'", "every value is missing"),
    ),
    # regression: infinities broke PCA's fit (exit 1) and the HTML; now one clear line
    Spec(
        "binary_infinite_feature_values",
        features=("inf_in_analysis", "cat"),
        error=("analysis.csv", "column 'num'", "must be finite", "5 such rows"),
    ),
    Spec("binary_positive_class_string_labels", labels="str", extra={"positive_class": "no"}),
    # regression: an unknown positive_class gave "predicted class 1 ... is not one of the model's classes 0, 7"
    Spec(
        "binary_unknown_positive_class",
        extra={"positive_class": 7},
        error=("config.yaml", "key 'positive_class'", "positive_class 7 is not one of the labels"),
    ),
    Spec("analysis_smaller_than_one_chunk", n_ana=150, chunking={"size": 200}, error=("analysis.csv",)),
    Spec("binary_odd_column_names", features=("odd_names", "space_cat")),
    Spec("period_daily", chunking={"period": "D"}, n_ref=300, n_ana=300, hours=2.4),
    Spec("period_weekly", chunking={"period": "W"}, hours=4, html=False),
    Spec("period_monthly", chunking={"period": "M"}, hours=24, html=False),
    Spec("period_quarterly", chunking={"period": "Q"}, hours=48),
    Spec("size_short_last_append", chunking={"size": 250, "incomplete": "append"}, n_ana=620),
    Spec("size_short_last_keep", chunking={"size": 250, "incomplete": "keep"}, n_ana=620, html=False),
    Spec("size_short_last_drop", chunking={"size": 250, "incomplete": "drop"}, n_ana=620, html=False),
    Spec("number_chunking", chunking={"number": 7}, html=False),
    Spec("tiny_chunks_50", chunking={"size": 50}, n_ref=500, n_ana=500),
    Spec("parquet_inputs", fmt="parquet"),
    Spec("toml_config", config_ext="toml", business_value=True),
    Spec("binary_business_value", business_value=True),
    Spec("binary_metric_subset", metrics=["roc_auc", "f1"], html=False),
    Spec("binary_univariate_subset", univariate=["kolmogorov_smirnov", "chi2"], html=False),
    Spec("binary_shifted_fail_on_alert", shift=2.5, fail_on_alert=True),
    Spec("multiclass_int3", problem=MC, html=False),
    # regression: unquoted YAML int keys {0: p_0, ...} were refused ("expected text")
    Spec("multiclass_int_yaml_keys", problem=MC, int_keys=True),
    Spec("multiclass_int5", problem=MC, n_classes=5, n_ref=1000, n_ana=1000),
    Spec("multiclass_str4", problem=MC, labels="str", n_classes=4, business_value=True),
    Spec("multiclass_no_analysis_targets_no_ts_no_id", problem=MC, targets="none", timestamp=False, id=False),
    # regression: reference targets with gaps read as 1.0 and were refused as "not one of the model's classes '0', '1', '2'"
    Spec("multiclass_int_targets_with_gaps", problem=MC, target_gaps=True),
    Spec("binary_one_two_targets_with_gaps", labels="one_two", target_gaps=True, targets="inside"),
    Spec("multiclass_partial_targets", problem=MC, targets="partial", metrics=["f1", "accuracy"]),
    Spec("regression_basic", problem=REG, html=False),
    Spec("regression_negative_targets", problem=REG, reg_target="negative"),
    Spec("regression_zero_targets", problem=REG, reg_target="zero"),
    Spec("regression_business_value", problem=REG, business_value=True, metrics=["mae", "rmse"]),
    Spec("regression_no_targets_only_cat", problem=REG, targets="none", features=("cat", "cat2")),
    Spec("regression_partial_parquet_toml", problem=REG, targets="partial", fmt="parquet", config_ext="toml"),
    Spec("regression_targets_inside_period", problem=REG, targets="inside", chunking={"period": "W"}, hours=4),
]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_cli_run_writes_contract_results(spec: Spec, runner: CliRunner, tmp_path: Path) -> None:
    config = build(spec, tmp_path / "in")
    out = tmp_path / "out"
    args = ["run", str(config), "--out", str(out), "--format", "json,html" if spec.html else "json"]
    if spec.fail_on_alert:
        args.append("--fail-on-alert")
    result = runner.invoke(main, args)
    assert "Traceback" not in result.output + result.stderr
    if spec.error:
        lines = result.stderr.splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (
            result.stderr,
            repr(result.exception),
        )
        assert all(f in lines[0] for f in spec.error), lines[0]
        assert not out.exists()
        return
    payload = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    if payload is not None:
        check_results_json(payload)
    fired = bool(payload) and any(r["alert"] for r in payload["results"])
    expected = 3 if (spec.fail_on_alert and fired) else 0
    assert result.exit_code == expected, (result.stderr, repr(result.exception))
    if spec.fail_on_alert:
        assert fired
    check_payload(payload, spec)
    _case_checks(spec, payload)
    if not spec.html:
        return
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert "<b>" + spec.name + "</b>" not in html  # the title is escaped
    if "odd_names" in spec.features:
        assert "<b>höhe</b>" not in html and any(r["column"] == "<b>höhe</b> & größe €" for r in payload["results"])


def _case_checks(spec: Spec, payload: dict[str, Any]) -> None:
    """Facts specific to a case."""
    results = payload["results"]
    ana = [c for c in payload["chunks"] if c["period"] == "analysis"]
    if spec.chunking.get("incomplete") == "keep":
        assert [c["rows"] for c in ana] == [250, 250, 120]
    elif spec.chunking.get("incomplete") == "drop":
        assert [c["rows"] for c in ana] == [250, 250]
    elif spec.chunking.get("incomplete") == "append":
        assert [c["rows"] for c in ana] == [250, 370]
    if "number" in spec.chunking:
        assert len(ana) == spec.chunking["number"]
    if spec.metrics:
        metrics = {r["metric"] for r in results if r["step"] in ("estimated_performance", "realized_performance")}
        assert set(spec.metrics) <= metrics <= set(spec.metrics) | CELLS, metrics
    if spec.univariate:
        methods = {r["method"] for r in results if r["step"] == "univariate_drift"}
        assert methods <= set(spec.univariate), methods
    realized = [r for r in results if r["step"] == "realized_performance" and r["period"] == "analysis"]
    if spec.targets == "none":
        assert all(r["value"] is None for r in realized)
    if spec.business_value:
        assert any(r["step"] == "business_value" for r in results)


def test_regression_negative_targets_msle_is_nan_with_a_note(tmp_path: Path) -> None:
    """MSLE / RMSLE are undefined for negative values: NaN (null) with a note, never a crash."""
    spec = Spec("neg", problem=REG, reg_target="negative")
    ref = make_frames(spec, 1, 600, 0, 0.0)
    ana = make_frames(spec, 2, 600, 600, 0.0)
    config = {
        "problem_type": REG,
        "columns": {"id": "id", "timestamp": "timestamp", "prediction": "y_pred", "target": "y"},
        "chunking": {"size": 200},
    }
    report = Monitor(config).run(ref, ana)
    res = report.results
    msle = res[(res["metric"].isin(["msle", "rmsle"])) & (res["period"] == "analysis")]
    assert len(msle) and msle["value"].isna().all()
    if "note" in res.columns:
        assert msle["note"].fillna("").str.len().gt(0).all()
    mae = res[(res["metric"] == "mae") & (res["step"] == "realized_performance")]
    assert mae["value"].notna().all()
    files = report.save(tmp_path / "out", ["json", "html"])
    assert set(files) == {"json", "html"}


def test_python_api_varied(tmp_path: Path) -> None:
    """The Python API on a multiclass string-label case with targets joined from a frame."""
    spec = Spec("api", problem=MC, labels="str", n_classes=4, targets="partial")
    ref = make_frames(spec, 1, 800, 0, 0.0)
    ana = make_frames(spec, 2, 800, 800, 0.0)
    targets = ana[["id", "y"]].iloc[:300]
    labels = [f"class {chr(65 + i)}" for i in range(4)]
    config = {
        "problem_type": MC,
        "columns": {
            "id": "id",
            "timestamp": "timestamp",
            "prediction": "y_pred",
            "target": "y",
            "predicted_probability": {label: f"p_{i}" for i, label in enumerate(labels)},
        },
        "chunking": {"number": 4},
    }
    report = Monitor(config).run(ref, ana.drop(columns=["y"]), targets)
    assert set(report.results["step"]) >= {"estimated_performance", "univariate_drift"}
    assert report.status in ("ok", "warning", "alert")
    assert all(d["code"] in CODES for d in report.diagnoses)
    files = report.save(tmp_path / "out", ["json", "html"])
    check_payload(json.loads(Path(files["json"]).read_text()), spec)
    assert "<table" in report._repr_html_() or report._repr_html_()


def test_real_subprocess_varied_case(tmp_path: Path) -> None:
    """One case through a real process: what a shell or a cron job sees."""
    spec = Spec(
        "subprocess",
        labels="str",
        timestamp=False,
        chunking={"number": 3},
        features=("odd_names", "space_cat", "missing95"),
    )
    config = build(spec, tmp_path / "in")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from reportgen.cli import main; main()",
            "run",
            str(config),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "json,html",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    check_payload(json.loads((tmp_path / "out" / "results.json").read_text()), spec)
    assert (tmp_path / "out" / "report.html").stat().st_size > 1000
