"""Paths that are not readable data files: each gives one line naming the real cause and the fix."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.errors import ConfigError, DataError
from reportgen.io import MAX_MAGNITUDE, read_table
from tests.input_cases import valid_files, write_files


def run_cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("folder", "is a folder, not a data file"),
        ("/dev/null", "is not a regular file (a device or pipe such as /dev/null)"),
        ("missing.csv", "data file not found"),
    ],
)
def test_a_data_path_that_is_no_file_says_what_it_is(target: str, fragment: str, tmp_path: Path) -> None:
    files = valid_files()
    path = tmp_path / target if target != "/dev/null" else Path(target)
    files.config["analysis"] = str(path)
    config = write_files(tmp_path, files)
    if target == "folder":
        path.mkdir()
    with pytest.raises(DataError, match="^" + str(path) + ": " + fragment.replace("(", r"\(").replace(")", r"\)")):
        read_table(path)
    out = tmp_path / "out"
    code, stderr = run_cli(["run", str(config), "--out", str(out)])
    assert code == 2 and stderr.count("\n") == 1 and fragment in stderr and str(path) in stderr
    assert not out.exists()


@pytest.mark.parametrize("target", ["folder", "/dev/null"])
def test_a_config_path_that_is_no_file_says_what_it_is(target: str, tmp_path: Path) -> None:
    path = tmp_path / "model.yaml" if target == "folder" else Path(target)
    if target == "folder":
        path.mkdir()
    with pytest.raises(ConfigError, match="is a folder|is not a regular file"):
        load_config(path)
    code, stderr = run_cli(["check", str(path)])
    assert code == 2 and stderr.count("\n") == 1


def test_an_unreadable_file_names_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied (simulated: the tests may run as root, who reads everything)."""
    config = write_files(tmp_path, valid_files())
    real_access = os.access
    blocked = {str(tmp_path / "analysis.csv"), str(config)}
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: str(p) not in blocked and real_access(p, mode, **kw))
    with pytest.raises(DataError, match="permission denied: this user cannot read the file; fix its permissions"):
        read_table(tmp_path / "analysis.csv")
    with pytest.raises(ConfigError, match="permission denied"):
        load_config(config)


def test_values_just_below_the_magnitude_limit_give_finite_statistics_without_overflow(tmp_path: Path) -> None:
    """Legitimately huge values (9e149, both periods) run through every step with no overflow."""
    files = valid_files()
    rng = np.random.default_rng(5)
    for frame in (files.reference, files.analysis):
        frame["x"] = rng.uniform(-0.9, 0.9, len(frame)) * MAX_MAGNITUDE
    files.analysis.loc[:99, "x"] *= 0.1  # a real shift in the first analysis chunk
    config = write_files(tmp_path, files)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code, stderr = run_cli(["run", str(config), "--out", str(tmp_path / "out"), "--format", "json"])
    assert code == 0, stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    values = [r["value"] for r in results["results"] if r["column"] == "x" and r["value"] is not None]
    assert values and all(math.isfinite(v) for v in values)
    stats = [r for r in results["results"] if r["step"] == "summary_stats" and r["column"] == "x"]
    assert stats and all(r["value"] is None or abs(r["value"]) <= MAX_MAGNITUDE for r in stats)


def test_init_on_a_semicolon_csv_names_the_separator(tmp_path: Path) -> None:
    data = tmp_path / "reference.csv"
    valid_files().reference.to_csv(data, index=False, sep=";")
    code, stderr = run_cli(["init", str(data), "-o", str(tmp_path / "model.yaml")])
    assert code == 2 and stderr.count("\n") == 1
    assert "semicolon-separated (';')" in stderr and "comma-separated" in stderr
    assert not (tmp_path / "model.yaml").exists()
