"""The delivery commands through `reportgen` itself: send (SMTP, dry run, failure), verify/index exit codes, help."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.delivery.archive import archive_report

from .conftest import FakeReport
from .smtp_server import free_port, smtp_server
from .test_archive import weekly_model

COMMANDS = (
    ["init"],
    ["check"],
    ["send"],
    ["verify"],
    ["index"],
    ["templates"],
    ["templates", "export"],
    ["themes"],
    ["themes", "list"],
)


@pytest.fixture
def archive(tmp_path: Path, fake_config) -> Path:
    root = tmp_path / "archive"
    for i in range(2):
        archive_report(
            FakeReport(weekly_model(i), fake_config), root, formats=["html", "pdf", "json"], refresh_index=False
        )
    return root


def invoke(*args: str) -> CliRunner.invoke:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_has_examples(words: list[str]) -> None:
    result = invoke(*words, "--help")
    assert result.exit_code == 0 and "Examples:" in result.output and f"reportgen {words[0]}" in result.output


def test_send_to_smtp_server(archive: Path) -> None:
    latest = archive / "car-loan-model" / "2024-W47"
    with smtp_server() as (port, inbox):
        result = invoke(
            "send",
            latest,
            "--to",
            "team@example.com",
            "--cc",
            "boss@example.com",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            port,
        )
    assert result.exit_code == 0, result.output
    assert 'sent "[ALERT] Car loan model, 2024-W47: estimated ROC AUC 0.9 (reference 0.95)"' in result.output
    (received,) = inbox.messages
    assert received["to"] == ["team@example.com", "boss@example.com"]
    msg = message_from_bytes(received["data"], policy=policy.default)
    assert [p.get_filename() for p in msg.iter_attachments()] == ["report.pdf"]
    assert (latest / "report.pdf").read_bytes() == next(msg.iter_attachments()).get_content()


def test_send_dry_run_writes_the_message(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview.eml"
    result = invoke(
        "send",
        archive / "car-loan-model" / "2024-W46",
        "--to",
        "a@example.com",
        "--subject",
        "Weekly",
        "--attach-html",
        "--dry-run",
        out,
    )
    assert result.exit_code == 0, result.output
    msg = message_from_bytes(out.read_bytes(), policy=policy.default)
    assert msg["Subject"] == "Weekly" and [p.get_filename() for p in msg.iter_attachments()] == [
        "report.pdf",
        "report.html",
    ]


def test_send_unreachable_server_says_how_to_resend(archive: Path) -> None:
    port = free_port()
    folder = archive / "car-loan-model" / "2024-W47"
    result = CliRunner().invoke(
        main,
        [
            "send",
            str(folder),
            "--to",
            "a@example.com",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(port),
            "--timeout",
            "5",
        ],
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach SMTP server 127.0.0.1:{port}")
    assert (
        f"the report stays in {folder}; resend with: reportgen send {folder} --to a@example.com --smtp-host 127.0.0.1 --smtp-port {port}"
        in lines[0]
    )
    assert (folder / "report.pdf").exists()


def test_send_needs_a_recipient_and_a_report(archive: Path, tmp_path: Path) -> None:
    assert invoke("send", archive / "car-loan-model" / "2024-W47").exit_code == 2
    assert invoke("send", tmp_path, "--to", "a@example.com").exit_code == 2


def test_verify_exit_codes(archive: Path, tmp_path: Path) -> None:
    ok = invoke("verify", archive)
    assert ok.exit_code == 0 and "hash chain intact" in ok.output
    (archive / "car-loan-model" / "2024-W46" / "report.html").write_text("tampered")
    bad = CliRunner().invoke(main, ["verify", str(archive)])
    assert bad.exit_code == 1
    assert "ALTERED: car-loan-model/2024-W46/report.html" in bad.stdout
    as_json = json.loads(invoke("verify", archive, "--json").output)
    assert as_json["ok"] is False and as_json["findings"][0]["kind"] == "altered"
    assert invoke("verify", tmp_path / "nowhere").exit_code == 2


def test_index_command(archive: Path) -> None:
    result = invoke("index", archive)
    assert result.exit_code == 0 and (archive / "index.html").is_file() and "(2 runs)" in result.output


def test_templates_export_and_themes_list(tmp_path: Path) -> None:
    result = invoke("templates", "export", tmp_path / "tpl")
    assert result.exit_code == 0
    assert (tmp_path / "tpl" / "email" / "body.html").is_file() and (tmp_path / "tpl" / "index.html").is_file()
    assert invoke("templates", "export", tmp_path / "tpl").exit_code == 2  # never overwrites
    themes = invoke("themes", "list").output.split("\n")
    assert "default" in themes and any(t.startswith("dark") for t in themes)


def test_unwritable_paths_are_one_line_errors(archive: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    data = tmp_path / "data.csv"
    data.write_text("id,x,y_pred,y_pred_proba,target\n1,0.5,1,0.7,1\n2,0.1,0,0.2,0\n")
    for args in (
        ["templates", "export", str(blocker / "tpl")],
        [
            "send",
            str(archive / "car-loan-model" / "2024-W47"),
            "--to",
            "a@example.com",
            "--dry-run",
            str(blocker / "m.eml"),
        ],
        ["index", str(blocker / "archive")],
        ["init", str(data), "-o", str(blocker / "c.yaml")],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
