"""`reportgen send REPORT_DIR --to ...`: e-mail a written report (summary, inline charts, PDF).

The message is built from REPORT_DIR/results.json (and report.pdf / report.html when present) with
reportgen.render.email and handed to an SMTP server by reportgen.delivery.mail. Credentials come only from
REPORTGEN_SMTP_USER / REPORTGEN_SMTP_PASSWORD. `--dry-run FILE.eml` writes the message instead.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportgen.commands import require_folder

if TYPE_CHECKING:
    from reportgen.config import Config

EXAMPLES = """
\b
Examples:
  reportgen send reports/2024-W48 --to team@example.com --cc boss@example.com
  REPORTGEN_SMTP_USER=bot REPORTGEN_SMTP_PASSWORD=... \\
    reportgen send reports/2024-W48 --to team@example.com --smtp-host smtp.example.com --starttls
  reportgen send archive/car-loan-model/2024-W48 --to me@example.com --dry-run preview.eml
  SLACK_WEBHOOK=https://hooks.slack.com/services/... reportgen send reports/2024-W48 --to slack
  reportgen send reports/2024-W48 --to teams --link https://reports.example.com/2024-W48/report.html
\b
Environment: REPORTGEN_SMTP_USER, REPORTGEN_SMTP_PASSWORD (login, optional),
REPORTGEN_SMTP_HOST, REPORTGEN_SMTP_PORT, REPORTGEN_SMTP_FROM (defaults for the options);
SLACK_WEBHOOK / TEAMS_WEBHOOK (the chat webhooks, unless the run's output.notify names others).
Exit 4 when a chat message could not be delivered after its retries.
"""


def _resend_hint(
    report_dir: Path, to: tuple[str, ...], cc: tuple[str, ...], host: str, port: int | None, security: str
) -> str:
    parts = ["reportgen", "send", str(report_dir)]
    for a in to:
        parts += ["--to", a]
    for a in cc:
        parts += ["--cc", a]
    parts += ["--smtp-host", host]
    if port:
        parts += ["--smtp-port", str(port)]
    if security != "none":
        parts.append(f"--{security}")
    return " ".join(shlex.quote(p) for p in parts)


@click.command(name="send", epilog=EXAMPLES)
@click.argument("report_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDRESS|slack|teams",
    help="E-mail recipient, or slack / teams to post a short message to that chat (repeat for more).",
)
@click.option(
    "--link", default=None, metavar="URL", help="Link the chat message gives (default: the report's path on disk)."
)
@click.option("--cc", "cc", multiple=True, metavar="ADDRESS", help="Copy recipient (repeat for more).")
@click.option("--subject", default=None, help='Subject (default: "[STATUS] Title, period: headline number").')
@click.option(
    "--from",
    "sender",
    default=lambda: os.environ.get("REPORTGEN_SMTP_FROM"),
    help="Sender address (default: $REPORTGEN_SMTP_FROM or reportgen@localhost).",
)
@click.option(
    "--smtp-host",
    default=lambda: os.environ.get("REPORTGEN_SMTP_HOST", "localhost"),
    show_default="$REPORTGEN_SMTP_HOST or localhost",
    help="SMTP server.",
)
@click.option(
    "--smtp-port",
    type=int,
    default=lambda: os.environ.get("REPORTGEN_SMTP_PORT"),
    help="SMTP port (default: 465 with --ssl, 587 with --starttls, else 25).",
)
@click.option("--starttls", "security", flag_value="starttls", help="Upgrade the connection with STARTTLS.")
@click.option("--ssl", "security", flag_value="ssl", help="Connect with implicit TLS (SMTPS).")
@click.option(
    "--attach-html/--no-attach-html", default=False, help="Attach report.html too (it is large: plotly.js inside)."
)
@click.option(
    "--max-size", type=float, default=20.0, show_default=True, help="Refuse messages larger than this many MB."
)
@click.option("--timeout", type=float, default=30.0, show_default=True, help="SMTP timeout in seconds.")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE.eml",
    help="Write the message to FILE.eml instead of sending it.",
)
def command(
    report_dir: Path,
    to: tuple[str, ...],
    link: str | None,
    cc: tuple[str, ...],
    subject: str | None,
    sender: str | None,
    smtp_host: str,
    smtp_port: int | None,
    security: str | None,
    attach_html: bool,
    max_size: float,
    timeout: float,
    dry_run: Path | None,
) -> None:
    """E-mail the report in REPORT_DIR (a `run --out` folder or an archived run).

    The HTML body holds the executive summary and the alerting charts (inline PNG); a plain-text
    version and the PDF come with it. Exit 0 when the server accepted it, 2 on any failure (the
    report stays on disk; the message says how to resend).
    """
    from reportgen.delivery.atomic import write_bytes_atomic
    from reportgen.delivery.mail import MailError, SmtpSettings, send_message
    from reportgen.errors import ConfigError
    from reportgen.render.email import read_report_dir, render_email
    from reportgen.render.save import FILE_NAMES, verified_files

    require_folder(report_dir, what="the folder `reportgen run --out` wrote")
    security = security or "none"
    from reportgen.delivery.notify import CHANNEL_NAMES, notify_channels

    channels = [t.lower() for t in to if t.lower() in CHANNEL_NAMES]
    if "email" in [t.lower() for t in to] and len(to) == len(channels) + 1:
        raise ConfigError("--to email needs the addresses: --to team@example.com (repeatable)", key="--to")
    to = tuple(t for t in to if t.lower() not in (*CHANNEL_NAMES, "email"))
    if channels:
        notified = notify_channels(report_dir, channels, link)
        if not to and dry_run is None:
            notified.finish()
            return
    if not to and dry_run is None:
        raise ConfigError(
            "give at least one --to address (or --dry-run FILE.eml to only write the message)", key="--to"
        )
    model, pdf, html = read_report_dir(report_dir)
    listed = verified_files(report_dir)
    if listed is None:
        click.echo(
            f"warning: {report_dir}/results.json lists no files (an older reportgen wrote it), so nothing is attached; "
            "run the report again to attach its PDF",
            err=True,
        )
        listed = set()
    pdf = pdf if FILE_NAMES["pdf"] in listed else None
    html = html if FILE_NAMES["html"] in listed else None
    if pdf is None:
        click.echo(
            f"warning: no report.pdf in {report_dir}; the e-mail carries the summary only (run with --format ...,pdf to attach it)",
            err=True,
        )
    config = _stored_config(model.config)
    msg = render_email(
        model,
        config,
        pdf_bytes=pdf,
        html_bytes=html if attach_html else None,
        to=to,
        cc=cc,
        subject=subject,
        sender=sender,
        attach_pdf=pdf is not None,
        max_bytes=int(max_size * 1e6),
    )
    if dry_run is not None:
        write_bytes_atomic(dry_run, bytes(msg))
        click.echo(f"wrote {dry_run} ({len(bytes(msg)):,} bytes): {msg['Subject']}")
        return
    settings = SmtpSettings(
        host=smtp_host, port=int(smtp_port) if smtp_port else None, security=security, timeout=timeout
    )
    try:
        accepted = send_message(msg, settings)
    except MailError as exc:
        hint = _resend_hint(report_dir, to, cc, smtp_host, settings.port, security)
        raise MailError(f"{exc}; the report stays in {report_dir}; resend with: {hint}") from None
    click.echo(f'sent "{msg["Subject"]}" to {", ".join(accepted)} via {settings.host}:{settings.resolved_port}')
    if channels:
        notified.finish()


def _stored_config(resolved: dict[str, Any]) -> Config | None:
    """The archived run's config (for its theme and templates), or None when absent or no longer valid."""
    if not resolved:
        return None
    from reportgen.config import validate_config
    from reportgen.errors import ReportgenError

    try:
        return validate_config(resolved)
    except ReportgenError:
        return None
