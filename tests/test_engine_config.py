"""The `engine:` config key and `reportgen run --engine`: validation, the one-line errors when Spark
cannot run here, and which engine `make_engine` builds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.engine import LocalEngine, choice, make_engine, streams_analysis
from reportgen.engine.parquet import ParquetEngine
from reportgen.errors import ConfigError
from reportgen.io import prepare_data
from tests.conftest import simulate_binary

BASE = {"problem_type": "regression", "columns": {"prediction": "p"}}


def _config(engine: object, **extra: object):
    return load_config(data={**BASE, **extra, "engine": engine})


def test_local_is_the_default_and_spark_settings_are_kept() -> None:
    assert load_config(data=BASE).engine.type == "local"
    assert load_config(data=BASE).engine.stream == "auto"
    spark = _config({"type": "spark", "master": "local[2]", "conf": {"spark.driver.memory": "2g"}}).engine
    assert (spark.type, spark.master, dict(spark.conf)) == ("spark", "local[2]", {"spark.driver.memory": "2g"})
    assert _config({"type": "local", "master": "yarn"}).engine.master == "yarn"  # kept for --engine spark


@pytest.mark.parametrize(
    ("engine", "words"),
    [
        ({"type": "sprak"}, ["key 'engine.type'", "allowed: local, spark", "did you mean 'spark'"]),
        ({"type": "local", "mastr": "local"}, ["key 'engine.mastr'", "unknown key", "did you mean 'master'"]),
        ({"type": "spark", "master": "lokal[2]"}, ["key 'engine.master'", "'lokal[2]'", "local[N]"]),
        ({"stream": "yes"}, ["key 'engine.stream'", "auto, true or false", "'yes'"]),
        ({"batch_rows": 0}, ["key 'engine.batch_rows'", "positive"]),
        ({"conf": {"driver.memory": "2g"}}, ["key 'engine.conf'", "spark."]),
        ("spark", ["key 'engine'", "mapping"]),
    ],
)
def test_bad_engine_settings_are_one_clear_error(engine: object, words: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        _config(engine)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def _write_config(tmp_path: Path, engine: dict | None = None) -> Path:
    data = {**BASE, "reference": "ref.csv", "analysis": "ana.csv"}
    if engine is not None:
        data["engine"] = engine
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_cli_engine_spark_without_pyspark_exits_2_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(choice, "module_available", lambda name: False)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(_write_config(tmp_path)), "--engine", "spark", "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and 'pip install "reportgen[spark]"' in result.output
    assert "key 'engine.type'" in result.output and not out.exists()


def test_cli_engine_spark_without_java_exits_2_with_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(choice, "module_available", lambda name: True)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    config = _write_config(tmp_path, {"type": "spark", "master": "local[2]"})
    result = CliRunner().invoke(main, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "JAVA_HOME" in result.output and "Java" in result.output


def test_cli_engine_local_overrides_a_spark_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--engine local wins over engine.type: spark, so no Spark check runs (the data is then missing)."""
    monkeypatch.setattr(choice, "module_available", lambda name: False)
    config = _write_config(tmp_path, {"type": "spark", "master": "local[2]"})
    result = CliRunner().invoke(main, ["run", str(config), "--engine", "local", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "ref.csv" in result.output and "spark" not in result.output.lower()
    result = CliRunner().invoke(main, ["run", str(config), "--engine", "flink"])
    assert result.exit_code == 2 and "'flink' is not one of 'local', 'spark'" in result.output


def test_stream_true_needs_parquet_and_auto_streams_only_large_parquet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match=r"engine.stream.*Parquet"):
        streams_analysis(_config({"stream": True}, analysis=str(tmp_path / "a.csv")))
    frame = simulate_binary(500, seed=3)
    path = tmp_path / "a.parquet"
    frame.to_parquet(path)
    assert streams_analysis(_config({"stream": True}, analysis=str(path)))
    assert not streams_analysis(_config({"stream": False}, analysis=str(path)))
    assert not streams_analysis(_config({}, analysis=str(path)))  # 500 rows: in memory
    monkeypatch.setattr(choice, "STREAM_ROWS", 499)
    assert streams_analysis(_config({}, analysis=str(path)))
    assert not streams_analysis(_config({"type": "spark"}, analysis=str(path)))


def test_make_engine_builds_the_chosen_local_engine(tmp_path: Path) -> None:
    columns = {
        "id": "id",
        "timestamp": "timestamp",
        "prediction": "y_pred",
        "predicted_probability": "y_pred_proba",
        "target": "y",
    }
    reference, analysis = simulate_binary(1000, seed=1), simulate_binary(1000, 1000, seed=2)
    path = tmp_path / "analysis.parquet"
    analysis.to_parquet(path)
    config = {"problem_type": "binary_classification", "columns": columns, "analysis": str(path)}
    for stream, kind in ((False, LocalEngine), (True, ParquetEngine)):
        cfg = load_config(data={**config, "engine": {"stream": stream, "batch_rows": 300}})
        data = prepare_data(cfg, reference, analysis)
        engine = make_engine(cfg, data.reference, data.reference_chunks, data)
        assert isinstance(engine, kind)
        assert engine.analysis_chunks() == data.analysis_chunks
    assert engine.batch_rows == 300
