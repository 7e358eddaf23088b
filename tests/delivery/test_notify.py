"""Slack and Teams notifications against a loopback server: payload shape, escaping, retries, failures."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.delivery.notify import Notice, notify, slack_payload, teams_payload
from reportgen.delivery.notify_spec import NotifyTarget
from reportgen.delivery.webhook import NotifyError, post_json

from .webhook_server import webhook_server

HOSTILE = 'Churn <!channel> & "quotes" \\ *bold* _it_ [x](http://evil) <http://evil|click>\nline'
NOTICE = Notice(
    title=HOSTILE,
    status="alert",
    sentence="ROC AUC fell from 0.86 to 0.71 because <b>x</b> & y shifted.",
    recommendations=("Retrain <now>", "Check the *feed*", "Tell @here", "a fourth is never shown"),
    link="https://reports.example.com/a|b>c/report.html",
)


def test_slack_message_escapes_control_characters() -> None:
    payload = slack_payload(NOTICE)
    text = payload["blocks"][0]["text"]["text"]
    assert payload["blocks"][0]["text"]["type"] == "mrkdwn"
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp;" in text
    assert "<http://evil|click>" not in text and "&lt;http://evil|click&gt;" in text
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert text.startswith('*:rotating_light: ALERT: Churn &lt;!channel&gt; &amp; "quotes" \\ *bold* _it_')
    assert "&gt; line*\n" in text  # the title stays on one line (one bold span)
    assert "1. Retrain &lt;now&gt;" in text and "3. Tell @here" in text and "fourth" not in text
    assert text.endswith("<https://reports.example.com/a%7Cb%3Ec/report.html|Open the report>")
    assert payload["text"].startswith("ALERT: Churn &lt;!channel&gt;")


def test_teams_card_keeps_user_text_out_of_markdown() -> None:
    payload = teams_payload(NOTICE)
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert all(block["type"] == "RichTextBlock" for block in card["body"])
    runs = [inline for block in card["body"] for inline in block["inlines"]]
    assert all(run["type"] == "TextRun" for run in runs)  # TextRun text is never read as markdown
    assert runs[0]["text"] == f"ALERT: {HOSTILE}" and runs[0]["color"] == "Attention"
    assert [r["text"] for r in runs[2:]] == ["1. Retrain <now>", "2. Check the *feed*", "3. Tell @here"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the report", "url": NOTICE.link}]


@pytest.mark.parametrize("channel", ["slack", "teams"])
def test_payload_arrives_intact_as_utf8_json(monkeypatch: pytest.MonkeyPatch, channel: str) -> None:
    with webhook_server() as (base, recorder):
        monkeypatch.setenv("HOOK", f"{base}/services/T0/B0/secret-token")
        assert notify(NotifyTarget(type=channel, webhook="env:HOOK"), NOTICE) == 1
    (request,) = recorder.requests
    assert request["path"] == "/services/T0/B0/secret-token"
    assert request["content_type"] == "application/json; charset=utf-8"
    expected = slack_payload(NOTICE) if channel == "slack" else teams_payload(NOTICE)
    assert request["body"] == json.loads(json.dumps(expected))


def test_retries_on_5xx_and_429_honouring_retry_after() -> None:
    script = [(503, {}, 0.0), (429, {"Retry-After": "1"}, 0.0)]
    with webhook_server(script) as (base, recorder):
        attempts = post_json(f"{base}/hook", {"text": "x"}, retries=3, backoff=0.01)
    assert attempts == 3 and len(recorder.requests) == 3
    times = [r["at"] for r in recorder.requests]
    assert times[1] - times[0] < 0.5  # backoff 0.01 s after the 503
    assert times[2] - times[1] >= 0.95  # the 429's Retry-After: 1 was honoured


def test_retry_after_is_bounded_and_retries_end() -> None:
    waits: list[float] = []
    script = [(429, {"Retry-After": "3600"}, 0.0)] + [(500, {}, 0.0)] * 5
    with (
        webhook_server(script) as (base, recorder),
        pytest.raises(NotifyError, match=r"HTTP 500 .* after 3 attempt") as caught,
    ):
        post_json(f"{base}/s3cr3t", {}, retries=2, backoff=0.5, max_wait=2.0, sleep=waits.append)
    assert waits == [2.0, 1.0] and len(recorder.requests) == 3
    assert "s3cr3t" not in str(caught.value) and "127.0.0.1" in str(caught.value)
    assert caught.value.exit_code == 4


def test_client_errors_are_final_and_timeouts_fail() -> None:
    with webhook_server([(404, {}, 0.0)]) as (base, recorder), pytest.raises(NotifyError, match="refused the message"):
        post_json(f"{base}/gone", {}, retries=3, backoff=0.01)
    assert len(recorder.requests) == 1
    with webhook_server([(200, {}, 1.5)]) as (base, recorder):
        start = time.monotonic()
        with pytest.raises(NotifyError, match="no answer"):
            post_json(f"{base}/slow", {}, timeout=0.3, retries=0)
        assert time.monotonic() - start < 1.4


def test_webhook_must_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="env:VARIABLE"):
        NotifyTarget(type="slack", webhook="https://hooks.slack.com/services/x")
    monkeypatch.delenv("NO_HOOK", raising=False)
    with pytest.raises(NotifyError, match="NO_HOOK is not set"):
        notify(NotifyTarget(type="slack", webhook="env:NO_HOOK"), NOTICE)


def _config(folder: Path, notify: str) -> Path:
    from conftest import simulate_binary

    folder.mkdir(parents=True, exist_ok=True)
    simulate_binary(1500, seed=1).to_csv(folder / "reference.csv", index=False)
    simulate_binary(1500, start=1500, seed=2, shift=0.6).to_csv(folder / "analysis.csv", index=False)
    path = folder / "model.yaml"
    path.write_text(
        "title: 'Churn <!channel> & co'\nproblem_type: binary_classification\n"
        "reference: reference.csv\nanalysis: analysis.csv\n"
        "columns: {id: id, timestamp: timestamp, prediction: y_pred, predicted_probability: y_pred_proba, target: y}\n"
        f"chunking: {{size: 500}}\noutput: {{formats: [html, json], notify: {notify}}}\n",
        encoding="utf-8",
    )
    return path


def test_run_notifies_every_channel_and_a_failure_sets_the_exit_code(tmp_path: Path) -> None:
    script: list[tuple[int, dict[str, str], float]] = []
    with webhook_server(script) as (base, recorder):
        recorder.script.extend([(200, {}, 0.0)] + [(500, {}, 0.0)] * 2)  # slack ok, teams fails twice (retries: 1)
        config = _config(
            tmp_path / "in",
            "[{type: slack, webhook: env:SLACK_HOOK, link: 'https://reports.example.com/churn'},"
            " {type: teams, webhook: env:TEAMS_HOOK, retries: 1}]",
        )
        env = {"SLACK_HOOK": f"{base}/slack", "TEAMS_HOOK": f"{base}/teams"}
        result = CliRunner().invoke(main, ["run", str(config), "--out", str(tmp_path / "out"), "--quiet"], env=env)
    assert result.exit_code == 4, (result.output, result.stderr)
    assert result.stderr.strip().splitlines() == [
        "error: teams notification failed: 127.0.0.1: HTTP 500 Internal Server Error after 2 attempt(s)"
    ]
    assert (tmp_path / "out" / "results.json").is_file() and (tmp_path / "out" / "report.html").is_file()
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    (slack,) = recorder.bodies("/slack")
    text = slack["blocks"][0]["text"]["text"]
    assert f"*:rotating_light: {results['summary']['status'].upper()}: Churn &lt;!channel&gt; &amp; co*" in text
    assert _escaped(results["summary"]["sentence"]) in text
    assert text.endswith("<https://reports.example.com/churn/report.html|Open the report>")
    assert len(recorder.bodies("/teams")) == 2


def test_send_to_slack_posts_a_written_report(tmp_path: Path) -> None:
    config = _config(tmp_path / "in", "[]")
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(config), "--out", str(tmp_path / "out"), "--quiet"]).exit_code == 0
    with webhook_server() as (base, recorder):
        env = {"SLACK_WEBHOOK": f"{base}/hook"}
        result = runner.invoke(main, ["send", str(tmp_path / "out"), "--to", "slack"], env=env)
    assert result.exit_code == 0, result.stderr
    assert result.output.strip() == "posted to slack"
    (body,) = recorder.bodies("/hook")
    assert f"Report: {(tmp_path / 'out' / 'report.html').resolve()}" in body["blocks"][0]["text"]["text"]
    failed = runner.invoke(main, ["send", str(tmp_path / "out"), "--to", "teams"], env={"TEAMS_WEBHOOK": ""})
    assert failed.exit_code == 4 and "TEAMS_WEBHOOK is not set" in failed.stderr


def _escaped(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
