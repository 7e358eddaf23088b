"""`reportgen run CONFIG --engine spark` with Spark sources: a table for the reference, a query for the
analysis; the same results.json records and diagnoses as the local run of the same rows."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reportgen.cli import main
from samples.generator import generate
from tests.spark.test_spark_report import same

pytestmark = pytest.mark.spark


def test_cli_spark_run_with_table_and_sql_sources(spark, tmp_path: Path) -> None:
    sample = generate("binary", rows_per_month=120, seed=5)
    target = sample.config["columns"]["target"]
    analysis = (
        sample.analysis.merge(sample.targets, on="id", how="left") if target not in sample.analysis else sample.analysis
    )
    sample.reference.to_csv(tmp_path / "reference.csv", index=False)
    analysis.to_parquet(tmp_path / "analysis.parquet")
    spark.createDataFrame(sample.reference).createOrReplaceTempView("rg_reference")
    spark.read.parquet(str(tmp_path / "analysis.parquet")).createOrReplaceTempView("rg_analysis")
    settings = {k: v for k, v in sample.config.items() if k not in ("reference", "analysis", "targets")}
    settings["chunking"] = {"number": 6}
    local_cfg, spark_cfg = tmp_path / "local.yaml", tmp_path / "spark.yaml"
    local_cfg.write_text(yaml.safe_dump({**settings, "reference": "reference.csv", "analysis": "analysis.parquet"}))
    spark_cfg.write_text(
        yaml.safe_dump(
            {
                **settings,
                "reference": {"table": "rg_reference"},
                "analysis": {"sql": "select * from rg_analysis where id >= 0"},
                "engine": {"type": "spark", "master": "local[2]"},
            }
        )
    )
    runner = CliRunner()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cfg, out in ((local_cfg, "local"), (spark_cfg, "spark")):
            result = runner.invoke(main, ["run", str(cfg), "--format", "json", "--out", str(tmp_path / out), "--quiet"])
            assert result.exit_code == 0, result.output
    local = json.loads((tmp_path / "local" / "results.json").read_text())
    on_spark = json.loads((tmp_path / "spark" / "results.json").read_text())
    assert len(local["results"]) > 100
    assert same(local["results"], on_spark["results"])
    assert same(local["diagnoses"], on_spark["diagnoses"])
    assert same(local["chunks"], on_spark["chunks"])


def test_cli_spark_with_an_unknown_master_exits_2_with_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "model.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "problem_type": "regression",
                "columns": {"prediction": "p", "target": "y"},
                "reference": "r.parquet",
                "analysis": "a.parquet",
                "engine": {"type": "spark", "master": "local[two]"},
            }
        )
    )
    result = CliRunner().invoke(main, ["run", str(cfg), "--format", "json", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Spark master 'local[two]', not a master URL" in lines[0], result.output
