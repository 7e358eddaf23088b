"""The CLI end to end: version and help, run (exit 0 / 2 / 3), samples; every bad input exits 2
with one line on stderr, no traceback and no output folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from reportgen.samples import generator as gen

from reportgen import __version__
from reportgen.cli import main
from tests.input_cases import ALL_CASES, Case, broken, valid_files, write_files


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version_and_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"reportgen, version {__version__}"
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for text in ("run", "demo", "samples", "Examples:", "reportgen run model.yaml"):
        assert text in result.output
    result = runner.invoke(main, ["run", "--help"])
    assert "--fail-on-alert" in result.output and "--baseline" in result.output and "Exit codes" in result.output


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case: Case, runner: CliRunner, tmp_path: Path) -> None:
    config = write_files(tmp_path / "in", broken(case))
    out = tmp_path / "out"
    result = runner.invoke(main, ["run", str(config), "--out", str(out), "--format", "json"])
    assert result.exit_code == 2, (result.output, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert str(tmp_path / "in" / case.file) in lines[0]
    for fragment in case.expect:
        assert fragment in lines[0]
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run"], "Missing argument 'CONFIG'. (see '"),
        (["run", "x.yaml", "--bogus"], "No such option '--bogus'"),
        (["samples", "--problem", "ranking", "--out", "x"], "Invalid value for '--problem'"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_usage_errors_are_one_line_too(args: list[str], fragment: str, runner: CliRunner) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert fragment in result.stderr


def test_no_arguments_prints_help(runner: CliRunner) -> None:
    result = runner.invoke(main, [])
    assert result.exit_code == 0 and "Usage: " in result.output and "Examples:" in result.output


def test_unknown_format_flag_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    config = write_files(tmp_path, valid_files())
    result = runner.invoke(main, ["run", str(config), "--format", "html,docx", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "unknown format 'docx'" in result.stderr and not (tmp_path / "out").exists()


def test_run_writes_results_json_and_fail_on_alert_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    files = valid_files(800, 800)
    files.config["chunking"] = {"size": 200}
    config = write_files(tmp_path / "in", files)
    out = tmp_path / "out"
    result = runner.invoke(main, ["run", str(config), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, (result.stderr, result.exception)
    payload = json.loads((out / "results.json").read_text())
    assert [c["period"] for c in payload["chunks"]] == ["reference"] * 4 + ["analysis"] * 4
    assert [p.name for p in out.iterdir()] == ["results.json"]
    # Shift the analysis inputs and outputs far from the reference: alerts fire, --fail-on-alert exits 3.
    files.analysis["x"] = files.analysis["x"] + 3.0
    files.analysis["cat"] = "c"
    config = write_files(tmp_path / "shifted", files)
    result = runner.invoke(
        main, ["run", str(config), "--out", str(tmp_path / "out2"), "--format", "json", "--fail-on-alert"]
    )
    assert result.exit_code == 3, (result.stderr, result.exception)
    payload = json.loads((tmp_path / "out2" / "results.json").read_text())
    assert any(r["alert"] for r in payload["results"] if r["step"] == "univariate_drift" and r["column"] == "x")


def test_flags_override_config_paths(runner: CliRunner, tmp_path: Path) -> None:
    files = valid_files()
    config = write_files(tmp_path / "in", files)
    files.analysis.iloc[:150].to_csv(tmp_path / "other.csv", index=False)
    result = runner.invoke(
        main,
        [
            "run",
            str(config),
            "--analysis",
            str(tmp_path / "other.csv"),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, (result.stderr, result.exception)
    chunks = json.loads((tmp_path / "o" / "results.json").read_text())["chunks"]
    assert sum(c["rows"] for c in chunks if c["period"] == "analysis") == 150
    # 150 rows in chunks of 100: the short last chunk is appended, and a one-line warning says so.
    assert [c["rows"] for c in chunks if c["period"] == "analysis"] == [150]
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warned == [
        "warning: analysis: the last 50 rows do not fill a chunk of 100; appended to the previous chunk (now 150 rows) (chunking.incomplete: append | keep | drop)"
    ]


def test_samples_command_writes_the_generator_output(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["samples", "--problem", "regression", "--rows", "40", "--out", str(tmp_path / "s"), "--seed", "5"]
    )
    assert result.exit_code == 0, (result.stderr, result.exception)
    expected = gen.generate("regression", tmp_path / "direct", rows_per_month=40, seed=5)
    for name in ("reference.csv", "analysis.csv", "analysis_targets.csv", "config.yaml", "truth.json"):
        assert (tmp_path / "s" / name).read_bytes() == (expected.folder / name).read_bytes()
    truth = json.loads((tmp_path / "s" / "truth.json").read_text())
    assert truth["problem_type"] == "regression"
    result = runner.invoke(main, ["samples", "--problem", "ranking", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "ranking" in result.stderr


def test_real_process_bad_config_one_line_no_traceback(tmp_path: Path) -> None:
    """A real subprocess (not CliRunner): what a shell or a cron job sees."""
    case = next(c for c in ALL_CASES if c.name == "unknown_key")
    config = write_files(tmp_path / "in", broken(case))
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from reportgen.cli import main; main()",
            "run",
            str(config),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"error: {config}: key 'chunkin'"), proc.stderr
    assert not (tmp_path / "out").exists()
