"""SQL sources in the config and on the command line: parsing, env: URLs, masking, --param."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from reportgen.commands import parse_params, path_overrides
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.sources import SqlSource, with_params
from reportgen.sources.url import describe, mask_url, scrub

from .conftest import write_config


def test_mapping_is_a_sql_source_and_sqlite_paths_follow_the_config_file(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "cfg", "{url: 'sqlite:///data.db', table: reference}", "{url: env:DB, query: 'select 1'}"
    )
    config = load_config(path)
    assert isinstance(config.reference, SqlSource) and isinstance(config.analysis, SqlSource)
    assert config.reference.url == f"sqlite:///{(tmp_path / 'cfg' / 'data.db').resolve()}"
    assert config.analysis.url == "env:DB" and config.analysis.query == "select 1"
    assert config.resolved()["analysis"]["url"] == "env:DB"  # the appendix shows the variable, never its value


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("{url: 'postgresql://u:secret@h/db', table: t}", "found a password in the URL"),
        ("{url: env:DB}", "give exactly one of table or query"),
        ("{url: env:DB, table: t, query: 'select 1'}", "give exactly one of table or query"),
        ("{url: env:DB, table: 't; drop table x'}", "expected a table name"),
        ("{url: 'env:1X', table: t}", "expected env: followed by a variable name"),
        ("{url: env:DB, tabel: t}", "unknown key"),
    ],
)
def test_bad_sql_sources_are_one_config_error(tmp_path: Path, source: str, fragment: str) -> None:
    path = write_config(tmp_path, source, "data.csv")
    with pytest.raises(ConfigError, match=fragment) as caught:
        load_config(path)
    assert "secret" not in str(caught.value) and "key 'reference" in str(caught.value)


def test_masking_hides_the_password_in_every_form() -> None:
    url = "postgresql+psycopg://ana:p%40ss%2Fw@db.example:5432/x"
    assert mask_url(url) == "postgresql+psycopg://ana:***@db.example:5432/x"
    assert mask_url("sqlite:///a.db") == "sqlite:///a.db"
    text = "failed for p%40ss%2Fw, decoded p@ss/w"
    assert scrub(text, url) == "failed for ***, decoded ***"


def test_describe_names_the_variable_and_masks_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB", "postgresql://ana:hunter2@db/x")
    shown = describe(SqlSource(url="env:DB", query="select *\n  from t where ts >= :start"))
    assert shown == "postgresql://ana:***@db/x (env:DB) query 'select * from t where ts >= :start'"


def test_cli_mapping_and_params(tmp_path: Path) -> None:
    overrides = path_overrides(analysis="{url: env:DB, table: t}", reference="ref.csv")
    assert overrides["analysis"] == {"url": "env:DB", "table": "t"}
    assert overrides["reference"] == str(Path("ref.csv").resolve())
    params = parse_params(("start=2024-11-25", "limit=5", "name=a b"))
    assert params == {"start": datetime.date(2024, 11, 25), "limit": 5, "name": "a b"}
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_params(("start",))
    path = write_config(tmp_path, "{url: env:DB, table: t, params: {start: 1, end: 2}}", "x.csv")
    config = with_params(load_config(path), {"start": 7})
    assert config.reference.params == {"start": 7, "end": 2}
    with pytest.raises(ConfigError, match="no data source is a SQL source"):
        with_params(load_config(write_config(tmp_path, "a.csv", "b.csv")), {"start": 7})


def test_named_parameters_become_libpq_placeholders() -> None:
    from reportgen.sources.sql import _positional

    text, values = _positional("select ts::date, :a from t where x >= :a and y < :b and z = '\\:c'", {"a": 1, "b": 2})
    assert text == "select ts::date, $1 from t where x >= $1 and y < $2 and z = '\\:c'"
    assert values == [1, 2]


def test_batches_promote_types_and_bad_values_name_the_column(tmp_path: Path) -> None:
    import sqlite3

    from reportgen.errors import DataError
    from reportgen.inputs import read_source

    path = tmp_path / "t.db"
    with sqlite3.connect(path) as con:  # SQLite types per value: the first batch's a is all NULL, b all ints
        con.execute("create table t (a, b, c)")
        rows = [(None, i, "x") for i in range(5)] + [(1.5, 2.5, "y")] * 5 + [(2, 3, None)]
        con.executemany("insert into t values (?, ?, ?)", rows)
        con.execute("create table u (a)")
        con.executemany("insert into u values (?)", [(1,), (b"\x00",)])
    frame = read_source(SqlSource(url=f"sqlite:///{path}", table="t", batch_rows=5))
    assert [str(t) for t in frame.dtypes] == ["float64", "float64", "category"]
    assert frame["a"].isna().sum() == 5 and frame["b"].tolist()[-1] == 3.0 and frame["c"].isna().sum() == 1
    with pytest.raises(DataError, match=r"table u: .*different types.*CAST\(col AS TEXT\)"):
        read_source(SqlSource(url=f"sqlite:///{path}", table="u"))
