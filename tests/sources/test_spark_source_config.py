"""`{table: db.name}` and `{sql: ...}` sources (read through Spark): accepted by the config, refused clearly elsewhere."""

from __future__ import annotations

import pytest

from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.inputs import read_source, source_name
from reportgen.sources.spec import SparkSource, SqlSource

BASE = {"problem_type": "regression", "columns": {"prediction": "p", "target": "y"}}


def test_table_and_sql_sources_are_spark_sources() -> None:
    config = load_config(data={**BASE, "reference": {"table": "db.ref"}, "analysis": {"sql": "select * from db.t"}})
    assert config.reference == SparkSource(table="db.ref")
    assert config.analysis == SparkSource(sql="select * from db.t")
    assert source_name(config.reference) == "table db.ref"
    assert source_name(config.analysis) == "Spark SQL (select * from db.t)"


def test_a_url_still_makes_a_database_source() -> None:
    config = load_config(data={**BASE, "analysis": {"url": "env:DB", "table": "t"}})
    assert isinstance(config.analysis, SqlSource)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"table": "db.t", "sql": "select 1"}, "give exactly one of table or sql"),
        ({"table": "no spaces allowed"}, "expected a table name"),
    ],
)
def test_bad_spark_sources_are_config_errors(given: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(data={**BASE, "analysis": given})


def test_the_local_engine_says_how_to_read_a_spark_source() -> None:
    with pytest.raises(ConfigError, match=r"read through Spark: set engine.type: spark \(or run with --engine spark\)"):
        read_source(SparkSource(table="db.t"))
