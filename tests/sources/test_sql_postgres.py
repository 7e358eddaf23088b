"""PostgreSQL on a real server: same records as Parquet (ADBC and SQLAlchemy), clear failures, no password anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import write_config
from .pg_cluster import PASSWORD, Cluster, free_port


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed CLI in a subprocess: stderr and every file it writes are searched for the password."""
    import os

    return subprocess.run(
        [sys.executable, "-c", "from reportgen.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


@pytest.mark.parametrize("reader", ["adbc", "sqlalchemy"])
def test_postgres_run_matches_parquet_run(tmp_path: Path, pg: Cluster, parquet_results: dict, reader: str) -> None:
    from click.testing import CliRunner

    from reportgen.cli import main

    sql = write_config(
        tmp_path / "sql",
        f"{{url: env:PG_URL, table: reference, reader: {reader}}}",
        f"{{url: env:PG_URL, query: 'select * from analysis where timestamp >= :start', reader: {reader}}}",
    )
    args = ["run", str(sql), "--out", str(tmp_path / "a"), "--param", "start=2023-06-01"]
    done = CliRunner().invoke(main, args, env={"PG_URL": pg.url()})
    assert done.exit_code == 0, done.stderr
    a, b = json.loads((tmp_path / "a" / "results.json").read_text()), parquet_results
    assert len(a["results"]) > 500 and any(r["alert"] for r in a["results"])
    for key in ("chunks", "results", "diagnoses", "summary"):
        assert a[key] == b[key], key


def test_password_appears_in_no_output(tmp_path: Path, pg: Cluster) -> None:
    config = write_config(
        tmp_path / "cfg",
        "{url: env:PG_URL, table: reference}",
        "{url: env:PG_URL, query: 'select * from analysis where timestamp >= :start'}",
    )
    out, archive = tmp_path / "out", tmp_path / "archive"
    done = cli(
        "run", str(config), "--out", str(out), "--archive", str(archive), "--format", "html,json,email",
        "--param", "start=2023-06-01", "--log-json", env={"PG_URL": pg.url()},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = [p for p in [*out.rglob("*"), *archive.rglob("*")] if p.is_file()]
    assert {p.name for p in written} >= {"report.html", "results.json", "report.eml", "manifest.json"}
    from urllib.parse import quote

    for form in (PASSWORD, quote(PASSWORD, safe="")):
        assert form not in done.stdout + done.stderr
        for path in written:
            assert form.encode() not in path.read_bytes(), path
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "env:PG_URL" in html  # the appendix names the variable the URL came from


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("wrong_password", "password authentication failed"),
        ("unreachable", "cannot connect"),
        ("missing_table", 'relation "nosuch" does not exist'),
        ("no_rows", "the query returned no rows for start=2030-01-01"),
    ],
)
@pytest.mark.parametrize("reader", ["adbc", "sqlalchemy"])
def test_postgres_failures_are_one_masked_line(
    tmp_path: Path, pg: Cluster, case: str, fragment: str, reader: str
) -> None:
    url = pg.url()
    table, query = "analysis", "select * from analysis where timestamp >= :start"
    if case == "wrong_password":
        url = pg.url(password=PASSWORD + "x")
    elif case == "unreachable":
        url = url.replace(f":{pg.port}/", f":{free_port()}/")
    elif case == "missing_table":
        table = "nosuch"
    analysis = (
        f"{{url: env:PG_URL, query: '{query}', reader: {reader}}}"
        if case == "no_rows"
        else (f"{{url: env:PG_URL, table: {table}, reader: {reader}}}")
    )
    config = write_config(tmp_path / "cfg", analysis, analysis)
    from click.testing import CliRunner

    from reportgen.cli import main

    args = ["run", str(config), "--out", str(tmp_path / "out"), "--param", "start=2030-01-01", "--quiet"]
    done = CliRunner().invoke(main, args, env={"PG_URL": url})
    assert done.exit_code == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], done.stderr
    assert "reportgen:***@127.0.0.1" in lines[0] and "(env:PG_URL)" in lines[0]
    assert PASSWORD not in done.stderr and "pw-Zq8" not in done.stderr
    assert not (tmp_path / "out").exists()
