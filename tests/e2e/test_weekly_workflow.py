"""The new user's weekly walk, through the `reportgen` CLI only.

init a config from a CSV, check it, run it weekly into an archive for three periods, send the
latest report to a loopback SMTP server, verify the archive, tamper with one stored file and see
verify name it; plus the exit codes 0 / 1 / 2 / 3 along the way.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import simulate_binary
from delivery.smtp_server import smtp_server

from reportgen.cli import main

WEEKS = ("2024-W13", "2024-W14", "2024-W15")


def cli(*args: object, env: dict | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """12 reference weeks (hourly rows from Monday 2024-01-01) and three analysis weeks drifting more and more."""
    simulate_binary(2016, 0, seed=1).rename(columns={"y": "target"}).to_csv(tmp_path / "reference.csv", index=False)
    for week in range(3):
        frame = simulate_binary(168, 2016 + 168 * week, seed=10 + week, shift=0.9 * week)
        frame.drop(columns=["y"]).to_csv(tmp_path / f"week{week}.csv", index=False)
    return tmp_path


def test_weekly_workflow(data: Path) -> None:
    config, archive = data / "model.yaml", data / "archive"

    made = cli("init", data / "reference.csv", "-o", config, "--title", "Car loan model")
    assert made.exit_code == 0, made.output
    checked = cli("check", config, "--analysis", data / "week0.csv")
    assert checked.exit_code == 0 and "OK (binary_classification)" in checked.output

    for week in range(3):
        formats = "html,pdf,json" if week == 2 else "json"  # the full report for the week we send; keeps the test fast
        ran = cli(
            "run",
            config,
            "--analysis",
            data / f"week{week}.csv",
            "--archive",
            archive,
            "--format",
            formats,
            "--quiet",
            env={"SOURCE_DATE_EPOCH": str(1711929600 + week * 604800)},
        )
        assert ran.exit_code == 0, ran.output
        assert f"archive/car-loan-model/{WEEKS[week]}" in ran.output

    ledger = json.loads((archive / "car-loan-model" / "ledger.json").read_text())
    assert [r["period"] for r in ledger["runs"]] == list(WEEKS)
    index = (archive / "index.html").read_text()
    assert all(f'href="car-loan-model/{w}/results.json"' in index for w in WEEKS)
    assert f'href="car-loan-model/{WEEKS[-1]}/report.html"' in index
    assert not (data / "report_out").exists()  # with --archive alone, the archive is the output

    latest = archive / "car-loan-model" / WEEKS[-1]
    with smtp_server() as (port, inbox):
        sent = cli("send", latest, "--to", "team@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert sent.exit_code == 0, sent.output
    msg = message_from_bytes(inbox.messages[0]["data"], policy=policy.default)
    assert msg["Subject"].startswith(
        ("[ALERT] Car loan model, 2024-W15: estimated ROC AUC", "[WARNING] Car loan model, 2024-W15: estimated ROC AUC")
    )
    assert msg.get_body(("html",)).get_content_type() == "text/html"
    assert [p.get_filename() for p in msg.iter_attachments()] == ["report.pdf"]
    assert next(msg.iter_attachments()).get_content() == (latest / "report.pdf").read_bytes()

    verified = cli("verify", archive)
    assert verified.exit_code == 0 and "3 runs" in verified.output

    stored = archive / "car-loan-model" / WEEKS[1] / "results.json"
    stored.write_text(stored.read_text().replace('"status": "', '"status": "x', 1))
    tampered = cli("verify", archive)
    assert tampered.exit_code == 1
    assert f"ALTERED: car-loan-model/{WEEKS[1]}/results.json" in tampered.output


def test_exit_codes_bad_input_unwritable_archive_and_alerts(data: Path) -> None:
    config = data / "model.yaml"
    cli("init", data / "reference.csv", "-o", config)
    bad = CliRunner().invoke(
        main, ["run", str(config), "--analysis", str(data / "missing.csv"), "--archive", str(data / "a")]
    )
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1 and "missing.csv" in bad.stderr
    blocker = data / "not-a-folder"
    blocker.write_text("x")
    unwritable = CliRunner().invoke(
        main,
        [
            "run",
            str(config),
            "--analysis",
            str(data / "week2.csv"),
            "--archive",
            str(blocker / "archive"),
            "--format",
            "json",
            "--quiet",
        ],
    )
    assert (
        unwritable.exit_code == 2
        and unwritable.stderr.startswith("error: ")
        and len(unwritable.stderr.strip().splitlines()) == 1
    )
    alerting = CliRunner().invoke(
        main,
        [
            "run",
            str(config),
            "--analysis",
            str(data / "week2.csv"),
            "--out",
            str(data / "out"),
            "--format",
            "json",
            "--fail-on-alert",
            "--log-json",
            "--quiet",
        ],
    )
    assert alerting.exit_code == 3, alerting.output
    steps = [json.loads(line) for line in alerting.stderr.splitlines() if line.startswith("{")]
    assert steps and all(s["event"] == "step" and s["status"] == "ok" for s in steps)
    assert {"read inputs", "cbpe", "write report"} <= {s["step"] for s in steps}
