"""Chat notifications: a short message (status, executive sentence, top three recommendations, link).

Slack gets `mrkdwn` text with the three characters Slack treats as control characters escaped
(https://api.slack.com/reference/surfaces/formatting#escaping); Teams gets an Adaptive Card whose
user strings sit in TextRun elements, which Teams never reads as markdown
(https://adaptivecards.io/explorer/TextRun.html). Both are posted by delivery.webhook.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from reportgen.delivery.notify_spec import CHANNELS, DEFAULT_WEBHOOK_ENV, NotifyTarget
from reportgen.delivery.webhook import NotifyError, post_json

if TYPE_CHECKING:
    from reportgen.report import ReportModel

SLACK_STATUS = {"ok": ":white_check_mark: OK", "warning": ":warning: WARNING", "alert": ":rotating_light: ALERT"}
TOP = 3  # recommendations a chat message lists
TEAMS_COLOR = {"ok": "Good", "warning": "Warning", "alert": "Attention"}


@dataclass(frozen=True)
class Notice:
    """What every channel says: plain text, escaped by each channel's payload builder."""

    title: str
    status: str
    sentence: str
    recommendations: tuple[str, ...]
    link: str


def notice_from_report(model: ReportModel, link: str) -> Notice:
    """The notice for a ReportModel: its status, executive sentence and top three recommendation titles."""
    summary = model.summary or {}
    recs = summary.get("top_recommendations") or model.recommendations or []
    titles = tuple(str(r.get("title", "")) for r in recs if r.get("title"))[:TOP]
    return Notice(
        title=str(model.title),
        status=str(summary.get("status", "ok")),
        sentence=str(summary.get("sentence", "")),
        recommendations=titles,
        link=link,
    )


def slack_escape(text: str) -> str:
    """&, < and > as Slack's entities: user text can then neither link nor mention (<!channel>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(notice: Notice) -> dict[str, Any]:
    """A Slack incoming-webhook message: fallback `text` and one mrkdwn section block."""
    status = SLACK_STATUS.get(notice.status, notice.status.upper())
    lines = [f"*{status}: {slack_escape(' '.join(notice.title.split()))}*"]
    if notice.sentence:
        lines.append(slack_escape(notice.sentence))
    lines += [f"{i}. {slack_escape(r)}" for i, r in enumerate(notice.recommendations[:TOP], 1)]
    if _is_web(notice.link):
        lines.append(f"<{_safe_url(notice.link)}|Open the report>")
    else:
        lines.append(f"Report: {slack_escape(notice.link)}")
    text = "\n".join(lines)
    fallback = slack_escape(f"{notice.status.upper()}: {notice.title}")
    return {"text": fallback, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def teams_payload(notice: Notice) -> dict[str, Any]:
    """A Teams incoming-webhook message carrying one Adaptive Card (user text only in TextRuns)."""

    def paragraph(text: str, **style: Any) -> dict[str, Any]:
        return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}

    body = [
        paragraph(
            f"{notice.status.upper()}: {notice.title}",
            weight="Bolder",
            size="Medium",
            color=TEAMS_COLOR.get(notice.status, "Default"),
        )
    ]
    if notice.sentence:
        body.append(paragraph(notice.sentence))
    body += [paragraph(f"{i}. {r}") for i, r in enumerate(notice.recommendations[:TOP], 1)]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if _is_web(notice.link):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the report", "url": notice.link}]
    else:
        body.append(paragraph(f"Report: {notice.link}", isSubtle=True))
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


PAYLOADS: dict[str, Callable[[Notice], dict[str, Any]]] = {"slack": slack_payload, "teams": teams_payload}


def webhook_url(variable: str, channel: str) -> str:
    """The webhook from the environment; NotifyError naming the variable (never its value) when unset."""
    name = variable.removeprefix("env:")
    url = os.environ.get(name, "").strip()
    if not url:
        raise NotifyError(f"{channel}: environment variable {name} is not set; export the incoming-webhook URL in it")
    if not url.startswith(("https://", "http://")):
        raise NotifyError(f"{channel}: {name} does not hold an http(s) URL; export the incoming-webhook URL in it")
    return url


def notify(target: NotifyTarget, notice: Notice, *, backoff: float = 1.0) -> int:
    """Post the notice to one channel; the attempts it took. NotifyError names the channel and host."""
    url = webhook_url(target.webhook, target.type)
    try:
        return post_json(
            url, PAYLOADS[target.type](notice), timeout=target.timeout, retries=target.retries, backoff=backoff
        )
    except NotifyError as exc:
        raise NotifyError(f"{target.type} notification failed: {exc}") from None


def notify_all(
    targets: Iterable[NotifyTarget], model: ReportModel, where: tuple[str, str], *, backoff: float = 1.0
) -> list[str]:
    """Notify every target (one failing does not stop the others); the failure messages, in order.

    `where` is report_location's (relative, absolute) pair: a target with `link:` gets link/relative.
    """
    relative, absolute = where
    failures = []
    for target in targets:
        link = f"{target.link.rstrip('/')}/{quote(relative)}" if target.link else absolute
        try:
            notify(target, notice_from_report(model, link), backoff=backoff)
        except NotifyError as exc:
            failures.append(str(exc))
    return failures


CHANNEL_NAMES = CHANNELS


@dataclass(frozen=True)
class Notified:
    """The outcome of `send --to slack|teams`: errors already printed; finish() exits 4 when any failed."""

    failures: tuple[str, ...]

    def finish(self) -> None:
        if self.failures:
            raise SystemExit(NotifyError.exit_code)


def notify_channels(report_dir: Path, channels: Iterable[str], link: str | None) -> Notified:
    """Post a written report's notice to each channel (its webhook from the run's output.notify or the default variable)."""
    import click

    from reportgen.render.email import read_report_dir

    model, _, _ = read_report_dir(report_dir)
    configured: dict[str, dict[str, Any]] = {}
    for entry in (model.config or {}).get("output", {}).get("notify", []) or []:
        configured.setdefault(entry.get("type"), entry)
    html = Path(report_dir) / "report.html"
    shown = link or str((html if html.is_file() else Path(report_dir) / "results.json").resolve())
    failures = []
    for channel in dict.fromkeys(channels):
        entry = configured.get(channel) or {"type": channel, "webhook": f"env:{DEFAULT_WEBHOOK_ENV[channel]}"}
        target = NotifyTarget(**{k: v for k, v in entry.items() if k != "link"})
        try:
            attempts = notify(target, notice_from_report(model, shown))
            click.echo(f"posted to {channel}" + (f" ({attempts} attempts)" if attempts > 1 else ""))
        except NotifyError as exc:
            click.echo(f"error: {exc}", err=True)
            failures.append(str(exc))
    return Notified(tuple(failures))


def report_location(files: dict[str, Path], run_dir: Path | None, archive: Path | None) -> tuple[str, str]:
    """(path relative to the archive or --out folder, for a `link:` base URL; absolute path) of the report."""
    names = ("report.html", "report.pdf", "results.json", "report.eml")
    if run_dir is not None and archive is not None:
        in_run = next((run_dir / n for n in names if (run_dir / n).is_file()), run_dir).resolve()
        return in_run.relative_to(archive.resolve()).as_posix(), str(in_run)
    found: Path | None = next((Path(p).resolve() for p in files.values() if Path(p).name in names[:3]), None)
    if found is None and files:
        found = Path(next(iter(files.values()))).resolve()
    return (found.name, str(found)) if found is not None else ("", "")


def _is_web(link: str) -> bool:
    return link.startswith(("https://", "http://"))


def _safe_url(url: str) -> str:
    """A URL inside Slack's <url|label>: '|' and '>' would end it early, so they are percent-encoded."""
    return url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
