"""Every exit path of check, init, send, verify and index: exit 0 on good input, else one `error:` line and exit 2
(verify: 1 for a broken chain), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.delivery.archive import archive_report
from tests.input_cases import valid_files, write_files

from .conftest import FakeReport
from .test_archive import weekly_model


@pytest.fixture
def archive(tmp_path: Path, fake_config) -> Path:
    root = tmp_path / "archive"
    for i in range(2):
        archive_report(FakeReport(weekly_model(i), fake_config), root, formats=["pdf", "json"], refresh_index=False)
    return root


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result: Result, fragment: str, code: int = 2) -> None:
    """Exit `code`, exactly one stderr line starting with `error:` that contains `fragment`, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stderr, repr(result.exception))
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output + result.stderr


def test_check_paths(tmp_path: Path) -> None:
    config = write_files(tmp_path / "in", valid_files())
    ok = invoke("check", config)
    assert ok.exit_code == 0 and "OK (binary_classification)" in ok.stdout
    refused(invoke("check", tmp_path / "none.yaml"), "config file not found")
    refused(invoke("check", config, "--analysis", tmp_path / "none.csv"), "data file not found")
    (tmp_path / "in" / "bad.yaml").write_text("problem_type: regression\nproblem_type: regression\n")
    refused(invoke("check", tmp_path / "in" / "bad.yaml"), "duplicate key 'problem_type' on lines 1 and 2")
    files = valid_files()
    files.analysis.loc[3, "id"] = files.analysis.loc[2, "id"]
    refused(invoke("check", write_files(tmp_path / "dup", files)), "duplicate id")


def test_init_paths(tmp_path: Path) -> None:
    data = tmp_path / "reference.csv"
    valid_files().reference.to_csv(data, index=False)
    out = tmp_path / "model.yaml"
    ok = invoke("init", data, "-o", out)
    assert ok.exit_code == 0 and out.is_file()
    refused(invoke("init", data, "-o", out), "already exists; pass --force")
    refused(invoke("init", tmp_path / "none.csv", "-o", tmp_path / "x.yaml"), "data file not found")
    refused(invoke("init", tmp_path, "-o", tmp_path / "x.yaml"), "is a folder, not a data file")
    (tmp_path / "empty.csv").write_text("")
    refused(invoke("init", tmp_path / "empty.csv", "-o", tmp_path / "x.yaml"), "the file is empty")
    (tmp_path / "latin.csv").write_bytes("id,city\n1,Bogotá\n".encode("latin-1"))
    refused(invoke("init", tmp_path / "latin.csv", "-o", tmp_path / "x.yaml"), "not UTF-8")
    assert not (tmp_path / "x.yaml").exists()


def test_send_paths(archive: Path, tmp_path: Path) -> None:
    run_dir = archive / "car-loan-model" / "2024-W47"
    eml = tmp_path / "m.eml"
    ok = invoke("send", run_dir, "--to", "a@example.com", "--dry-run", eml)
    assert ok.exit_code == 0 and b"report.pdf" in eml.read_bytes()
    refused(invoke("send", run_dir), "give at least one --to address")
    refused(invoke("send", tmp_path / "nowhere", "--to", "a@example.com"), "no such folder")
    refused(invoke("send", tmp_path, "--to", "a@example.com"), "no results.json here")
    (tmp_path / "results.json").write_text("{not json")
    refused(invoke("send", tmp_path, "--to", "a@example.com"), "not valid JSON")
    (run_dir / "report.pdf").write_bytes(b"%PDF edited")
    refused(invoke("send", run_dir, "--to", "a@example.com", "--dry-run", tmp_path / "n.eml"), "changed since the run")
    assert not (tmp_path / "n.eml").exists()


def test_verify_paths(archive: Path, tmp_path: Path) -> None:
    ok = invoke("verify", archive, "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    for where, fragment in ((tmp_path / "nowhere", "no such folder"), (tmp_path, "not a reportgen archive")):
        result = invoke("verify", where, "--json")
        refused(result, fragment)
        payload = json.loads(result.stdout)
        assert payload["ok"] is False and fragment in payload["error"]
    (tmp_path / "file").write_text("x")
    refused(invoke("verify", tmp_path / "file"), "is a file")
    refused(invoke("verify", "/dev/null"), "is a file or device, not a folder")
    (archive / "car-loan-model" / "2024-W46" / "results.json").write_text("{}")
    broken = invoke("verify", archive)
    assert broken.exit_code == 1 and "ALTERED" in broken.stdout and "Traceback" not in broken.stderr


def test_index_paths(archive: Path, tmp_path: Path) -> None:
    ok = invoke("index", archive)
    assert ok.exit_code == 0 and (archive / "index.html").is_file()
    refused(invoke("index", tmp_path / "nowhere"), "no such folder")
    refused(invoke("index", tmp_path / "in"), "no such folder")
    (tmp_path / "empty").mkdir()
    refused(invoke("index", tmp_path / "empty"), "not a reportgen archive")
    refused(invoke("index", archive, "--templates", tmp_path / "none"), "")
