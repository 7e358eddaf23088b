"""One run, one set of files: staging inside --out, `files` with SHA-256, stale files removed, `send` checks hashes,
and no temporary file survives SIGTERM or SIGINT mid-render or mid-archive."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from tests.input_cases import valid_files, write_files


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733119200")
    return write_files(tmp_path / "in", valid_files())


def run(config: Path, out: Path, formats: str) -> None:
    result = CliRunner().invoke(main, ["run", str(config), "--out", str(out), "--format", formats, "--quiet"])
    assert result.exit_code == 0, (result.stderr, result.exception)


def leftovers(*folders: Path) -> list[str]:
    return [
        str(p)
        for folder in folders
        for p in folder.rglob("*")
        if p.name.endswith(".tmp") or "staging" in p.name or p.name.startswith(".trash")
    ]


def test_results_json_lists_the_other_files_with_their_sha256_and_stays_byte_identical(
    config: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    run(config, first, "html,json,email")
    run(config, second, "html,json,email")
    listed = json.loads((first / "results.json").read_text())["files"]
    assert listed == [{"name": n, "sha256": sha(first / n)} for n in ("report.eml", "report.html")]
    assert (first / "results.json").read_bytes() == (second / "results.json").read_bytes()
    assert sorted(p.name for p in first.iterdir()) == ["report.eml", "report.html", "results.json"]


def test_an_earlier_runs_files_are_replaced_as_a_set_and_user_files_kept(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(config, out, "html,json")
    (out / "report.pdf").write_bytes(b"%PDF last week's")  # an earlier run's PDF
    (out / "notes.txt").write_text("mine")
    (out / "report.html.bak").write_text("mine too")
    run(config, out, "json")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.html.bak", "results.json"]
    assert json.loads((out / "results.json").read_text())["files"] == []
    assert (out / "notes.txt").read_text() == "mine"


def test_send_attaches_only_listed_files_with_matching_hashes(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(config, out, "html,json")
    (out / "report.pdf").write_bytes(b"%PDF-1.7 last week's report")  # not this run's: never attached
    eml = tmp_path / "msg.eml"
    args = ["send", str(out), "--to", "a@example.com", "--attach-html", "--dry-run", str(eml)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    message = eml.read_bytes()
    assert b"report.html" in message and b"report.pdf" not in message
    (out / "report.html").write_text("<html>edited</html>")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "report.html: changed since the run wrote it" in result.stderr
    (out / "report.html").unlink()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "report.html: listed in results.json but missing" in result.stderr


SLOW_STAGE = """
import sys, time
from pathlib import Path
marker = Path(sys.argv[1])
stage = sys.argv[2]

def slow(*args, **kwargs):
    marker.write_text("inside")
    time.sleep(60)

if stage == "render":
    import reportgen.render.html as target
    target.render_html = slow
else:
    import reportgen.delivery.archive as target
    target.build_manifest = slow
from reportgen.cli import main
sys.argv = ["reportgen", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize("stage", ["render", "archive"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_leaves_no_temporary_file(stage: str, signum: int, config: Path, tmp_path: Path) -> None:
    out, archive = tmp_path / "out", tmp_path / "archive"
    run(config, out, "json")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    marker = tmp_path / "inside"
    args = ["run", str(config), "--out", str(out), "--format", "html,json", "--quiet"]
    if stage == "archive":
        args = ["run", str(config), "--archive", str(archive), "--format", "json", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_STAGE, str(marker), stage, *args],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), proc.stderr.read() if proc.poll() is not None else "never reached the slow stage"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == (143 if signum == signal.SIGTERM else 130), stderr
    assert stderr.strip().splitlines()[-1].startswith("error: "), stderr
    assert "Traceback" not in stderr
    assert leftovers(tmp_path) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the earlier set untouched
    if stage == "archive":
        assert [p.name for p in archive.rglob("*") if p.is_file() and p.name != ".reportgen.lock"] == []
