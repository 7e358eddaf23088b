"""SQLite (no server): a run from SQL tables equals the run from Parquet; every failure is one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main

from .conftest import write_config


def run(config: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["run", str(config), "--out", str(out), "--quiet", *args], env=env)
    return result.exit_code, result.output, result.stderr


def test_sqlite_run_matches_parquet_run(tmp_path: Path, sqlite_db: Path, parquet_results: dict) -> None:
    sql = write_config(
        tmp_path / "sql",
        f"{{url: 'sqlite:///{sqlite_db}', table: reference}}",
        "{url: env:DB_URL, query: 'select * from analysis where timestamp >= :start and id < :last'}",
    )
    code, _, err = run(
        sql,
        tmp_path / "a",
        "--param",
        "start=2024-01-01",
        "--param",
        "last=6000",
        env={"DB_URL": f"sqlite:///{sqlite_db}"},
    )
    assert code == 0, err
    a, b = json.loads((tmp_path / "a" / "results.json").read_text()), parquet_results
    assert len(a["results"]) > 500 and any(r["alert"] for r in a["results"])
    for key in ("chunks", "results", "diagnoses", "summary"):
        assert a[key] == b[key], key


def test_params_narrow_the_rows(tmp_path: Path, sqlite_db: Path) -> None:
    config = write_config(
        tmp_path,
        f"{{url: 'sqlite:///{sqlite_db}', table: reference}}",
        f"{{url: 'sqlite:///{sqlite_db}', query: 'select * from analysis where id < :last', params: {{last: 3100}}}}",
    )
    assert run(config, tmp_path / "out", "--param", "last=4000")[0] == 0
    chunks = json.loads((tmp_path / "out" / "results.json").read_text())["chunks"]
    assert sum(c["rows"] for c in chunks if c["period"] == "analysis") == 1000  # --param won over params: 3100


@pytest.mark.parametrize(
    ("analysis", "fragment"),
    [
        ("{url: env:DB_URL, table: nosuch}", "the query failed"),
        ("{url: env:DB_URL, query: 'select * from analysis where id < 0'}", "the query returned no rows"),
        (
            "{url: env:DB_URL, query: 'select id, timestamp, y_pred, y_pred_proba from analysis'}",
            "missing column(s) 'x'",
        ),
        (
            "{url: env:DB_URL, query: \"select id, timestamp, 'high' as x, cat, y_pred, y_pred_proba from analysis\"}",
            "must be numeric, found 'high'",
        ),
        ("{url: env:DB_URL, query: 'select * from analysis where id < :last'}", "the query uses :last but no value"),
        ("{url: env:UNSET_DB_URL, table: analysis}", "UNSET_DB_URL is not set"),
        ("{url: 'mysql://u@localhost/db', table: analysis}", "install its driver"),
    ],
)
def test_failures_are_one_line_exit_2_nothing_written(
    tmp_path: Path, sqlite_db: Path, analysis: str, fragment: str
) -> None:
    config = write_config(tmp_path, f"{{url: 'sqlite:///{sqlite_db}', table: reference}}", analysis)
    code, out, err = run(config, tmp_path / "out", env={"DB_URL": f"sqlite:///{sqlite_db}"})
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err
    assert any(name in lines[0] for name in (" table ", " query '", "env:UNSET_DB_URL", "mysql://u@localhost/db"))
    assert not (tmp_path / "out").exists()


def test_duckdb_gives_the_parquet_dataframe(tmp_path: Path, parquet_files: tuple[Path, Path]) -> None:
    import duckdb
    import pandas as pd

    from reportgen.inputs import read_source
    from reportgen.io import read_table
    from reportgen.sources import SqlSource

    path = tmp_path / "data.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"create table analysis as select * from read_parquet('{parquet_files[1]}')")
    source = SqlSource(
        url=f"duckdb:///{path}",
        query="select * from analysis where id >= :first order by id",
        params={"first": 0},
        batch_rows=700,
    )
    pd.testing.assert_frame_equal(read_source(source), read_table(parquet_files[1]), check_dtype=False)
    frame = read_source(source)
    assert isinstance(frame["cat"].dtype, pd.CategoricalDtype) and str(frame["timestamp"].dtype).startswith(
        "datetime64"
    )


def test_init_writes_a_config_reading_the_sql_source(
    tmp_path: Path, sqlite_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sqlite_db.parent)
    out = tmp_path / "model.yaml"
    runner = CliRunner()
    result = runner.invoke(main, ["init", f"{{url: 'sqlite:///{sqlite_db.name}', table: reference}}", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    from reportgen.config import load_config

    config = load_config(out)
    assert config.reference.url == f"sqlite:///{sqlite_db}" and config.reference.table == "reference"
    assert config.columns.id == "id" and config.columns.prediction == "y_pred" and config.columns.target == "y"
    checked = runner.invoke(main, ["check", str(out)])
    assert checked.exit_code == 0 and "3,000 rows" in checked.output, checked.stderr
    bad = runner.invoke(
        main, ["init", "{url: 'postgresql://u:hunter2@h/db', table: t}", "-o", str(tmp_path / "x.yaml")]
    )
    assert bad.exit_code == 2 and "hunter2" not in bad.stderr and "env:VARIABLE" in bad.stderr
