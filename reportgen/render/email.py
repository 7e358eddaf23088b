"""The e-mail: executive summary in HTML with the alerting charts inline, a plain-text twin, the PDF.

Structure (what Outlook and Gmail show reliably; no script, no data: URI, no SVG)::

    multipart/mixed
      multipart/alternative
        text/plain                       body.txt
        multipart/related
          text/html                      body.html, images as <img src="cid:...">
          image/png  (Content-ID)        one per alerting chart, drawn at 2x, shown at half width
      application/pdf                    report.pdf
      text/html                          report.html (optional)

Bytes are deterministic: boundaries, Message-ID and Date derive from the content and the report's
generation time (SOURCE_DATE_EPOCH), never from the clock or a random source.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.digest import Digest, Series, cut
from reportgen.errors import ConfigError, OutputError

if TYPE_CHECKING:
    from reportgen.config import Config
    from reportgen.render.save import Rendering
    from reportgen.render.templating import Theme
    from reportgen.report import ReportModel

GMAIL_CLIP_BYTES = 102_000  # Gmail hides the rest of an HTML body beyond ~102 KB
DEFAULT_MAX_BYTES = 20_000_000  # most providers refuse messages over 20-25 MB (after base64)
DEFAULT_SENDER = "reportgen <reportgen@localhost>"
CHART_WIDTH_PX = 600  # shown width when the PNG's own width cannot be read
SUBJECT_TAGS = {"alert": "[ALERT]", "warning": "[WARNING]", "ok": "[OK]"}


class EmailSizeWarning(UserWarning):
    """The HTML body is long enough for Gmail to clip it."""


# ---------------------------------------------------------------- content


def make_subject(model: ReportModel) -> str:
    """'[ALERT] Car loan model, 2024-W48: estimated ROC AUC 0.87 (reference 0.95)'."""
    return subject_line(cut(model))


def subject_line(digest: Digest) -> str:
    """The subject from a report's digest: status tag, title, period and the headline number (or finding)."""
    from reportgen.render.filters import num

    status = digest.status
    tag = SUBJECT_TAGS.get(status, f"[{status.upper()}]")
    subject = f"{tag} {digest.title}, {digest.period}"
    top = digest.headline
    if status == "alert" and digest.finding is not None and (top is None or not top.get("alert")):
        subject += f": {digest.finding}"  # the headline number is fine now: name what alerted instead
    elif top is not None:
        subject += f": {top['label']} {num(top['value'], 2)}"
        if top.get("reference") is not None:
            subject += f" (reference {num(top['reference'], 2)})"
    return " ".join(subject.split())  # one line: no newline can reach the header


# ---------------------------------------------------------------- charts


def alert_charts(model: ReportModel, theme: Theme, chosen: Sequence[Series]) -> list[dict[str, Any]]:
    """The digest's alerting series as PNG charts (reportgen.render.charts, drawn at 2x): cid, title, alt text, bytes."""
    from reportgen.render.charts import metric_chart
    from reportgen.render.filters import method_label, metric_label
    from reportgen.render.mpl_draw import draw_png

    if not chosen:
        return []
    frame = model.results_frame()
    out = []
    for position, (step, method, metric, column) in enumerate(chosen, start=1):
        mask = (frame["step"] == step) & (frame["method"].fillna("") == method) & (frame["metric"] == metric)
        mask &= frame["column"].isna() if column is None else frame["column"] == column
        records = frame[mask].sort_values("chunk_index", kind="stable")
        role = {"estimated_performance": "estimated", "realized_performance": "realized"}.get(step, "series0")
        subject = f"{method_label(method)} {metric_label(metric)}".strip() + (f" of {column}" if column else "")
        chart = metric_chart(
            f"email-chart-{position}", [(role, records)], model.chunks, metric=metric, subject=subject, section=step
        )
        png = draw_png(chart, theme, dpi=200)
        width = int.from_bytes(png[16:20], "big") // 2  # PNG IHDR width: drawn at 2x, shown at half
        out.append(
            {
                "cid": _cid(png, position),
                "chart": chart,
                "title": chart.title,
                "alt": chart.aria,
                "png": png,
                "width": width or CHART_WIDTH_PX,
            }
        )
    return out


def _cid(png: bytes, position: int) -> str:
    return f"chart{position}.{hashlib.sha256(png).hexdigest()[:16]}@reportgen"


# ---------------------------------------------------------------- addresses and dates


def _addresses(values: str | Iterable[str] | None, what: str) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    out = []
    for name, addr in getaddresses(list(values)):
        if "@" not in addr or any(c in addr for c in " \r\n<>"):
            raise ConfigError(f"'{addr or name}' is not an e-mail address", key=what)
        out.append(str(Address(display_name=name, addr_spec=addr)) if name else addr)
    return out


def message_time(model: ReportModel) -> datetime:
    """The Date header: the report's generation time (reproducible with SOURCE_DATE_EPOCH)."""
    try:
        t = datetime.fromisoformat(str(model.generated_at))
    except ValueError:
        from reportgen.clock import generation_time

        return generation_time()
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------- assembly


def render_email(
    model: ReportModel,
    config: Config | None = None,
    *,
    pdf_bytes: bytes | None = None,
    html_bytes: bytes | None = None,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    subject: str | None = None,
    sender: str | None = None,
    attach_pdf: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EmailMessage:
    """The report as an e-mail message (see the module docstring for its structure).

    Parameters
    ----------
    model, config:
        The report and its config (theme, templates).
    pdf_bytes:
        The PDF to attach; when None and `attach_pdf`, it is rendered from the model.
    html_bytes:
        The HTML report to attach too (optional).
    to, cc, subject, sender:
        Headers; the subject defaults to `make_subject(model)`.
    max_bytes:
        The largest message accepted; bigger ones raise OutputError saying what to drop.
    """
    from reportgen.render.templating import make_environment, theme_for

    theme = theme_for(config)
    env = make_environment(theme, config.output.templates if config is not None else None)
    digest = cut(model)
    subject = " ".join((subject or subject_line(digest)).split())
    if pdf_bytes is None and attach_pdf:
        pdf_bytes = _render_pdf(model, config)
    charts = alert_charts(model, theme, digest.alerting_series)
    context = email_context(
        model, digest, config, theme, subject, charts, attachments=_attachment_names(pdf_bytes, html_bytes)
    )
    text = env.get_template("email/body.txt").render(**context)
    html = env.get_template("email/body.html").render(**context)
    if len(html.encode("utf-8")) > GMAIL_CLIP_BYTES:
        warnings.warn(
            f"the e-mail's HTML body is {len(html.encode('utf-8')) / 1000:.0f} KB; Gmail clips bodies over ~102 KB "
            "(shorten templates/email/body.html)",
            EmailSizeWarning,
            stacklevel=2,
        )

    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = _addresses(sender or DEFAULT_SENDER, "--from")[0]
    to_list, cc_list = _addresses(to, "--to"), _addresses(cc, "--cc")
    if to_list:
        msg["To"] = ", ".join(to_list)
    if cc_list:
        msg["Cc"] = ", ".join(cc_list)
    when = message_time(model)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = "<{}@reportgen>".format(
        hashlib.sha256(
            "\n".join([subject, model.title, str(model.generated_at), *to_list, *cc_list]).encode()
        ).hexdigest()[:32]
    )
    msg["X-Reportgen-Status"] = str((model.summary or {}).get("status", "ok"))
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = next(part for part in msg.iter_parts() if part.get_content_type() == "text/html")
    for chart in charts:
        html_part.add_related(
            chart["png"],
            maintype="image",
            subtype="png",
            cid=f"<{chart['cid']}>",
            disposition="inline",
            filename=f"{chart['cid'].split('.')[0]}.png",
        )
    if pdf_bytes is not None:
        msg.add_attachment(pdf_bytes, maintype="application", subtype="pdf", filename="report.pdf")
    if html_bytes is not None:
        msg.add_attachment(html_bytes, maintype="text", subtype="html", filename="report.html")
    _fix_boundaries(msg)
    # Headers unfolded up to RFC 5322's 998 characters: Python folds a subject starting with "[" onto
    # a continuation line, which its own parser (and some tools) then read with a leading space.
    # Bodies were already encoded above with 76-character lines.
    msg.policy = policy.SMTP.clone(max_line_length=998)
    size = len(bytes(msg))
    if size > max_bytes:
        raise OutputError(
            f"the e-mail would be {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit; "
            "leave out the HTML attachment, or raise the limit with --max-size if your mail server accepts more"
        )
    return msg


def _render_pdf(model: ReportModel, config: Config | None) -> bytes | None:
    try:
        from reportgen.render.pdf import render_pdf
    except ModuleNotFoundError:
        return None
    return render_pdf(model, config)


def _attachment_names(pdf_bytes: bytes | None, html_bytes: bytes | None) -> list[str]:
    names = []
    if pdf_bytes is not None:
        names.append("report.pdf")
    if html_bytes is not None:
        names.append("report.html")
    return names


def _fix_boundaries(msg: EmailMessage) -> None:
    """Deterministic MIME boundaries: derived from the parts' content, so equal input gives equal bytes."""
    parts = list(enumerate(msg.walk()))
    for position, part in reversed(parts):  # innermost first: a parent's digest covers fixed children
        if part.is_multipart():
            digest = hashlib.sha256(b"".join(bytes(p) for p in part.get_payload())).hexdigest()[:24]
            part.set_boundary(f"=_reportgen_{position}_{digest}")


def email_context(
    model: ReportModel,
    digest: Digest,
    config: Config | None,
    theme: Theme,
    subject: str,
    charts: list[dict[str, Any]],
    *,
    attachments: list[str],
) -> dict[str, Any]:
    """What templates/email/body.{html,txt} receive: the digest's facts, the charts and the cautions."""
    from reportgen.render.cautions_view import cautions_view

    currency = "EUR"
    if config is not None and config.business_value is not None:
        currency = config.business_value.currency
    return {
        "model": model,
        "config": config,
        "theme": theme,
        "subject": subject,
        "title": digest.title,
        "period": digest.period,
        "status": digest.status,
        "sentence": digest.sentence,
        "sections": [{"name": k, "status": v} for k, v in digest.sections.items() if k != "summary_stats"],
        "numbers": digest.numbers,
        "recommendations": digest.recommendations,
        "diagnoses": digest.diagnoses,
        "charts": [{k: v for k, v in c.items() if k != "png"} for c in charts],
        "attachments": attachments,
        "generated_at": model.generated_at,
        "reportgen_version": model.reportgen_version,
        "currency": currency,
        "cautions": cautions_view(model.warnings, model.chunks)["items"],
    }


def read_report_dir(report_dir: str | Path) -> tuple[ReportModel, bytes | None, bytes | None]:
    """The ReportModel (from results.json and the stored config), PDF and HTML bytes of a written report."""
    import json

    from reportgen.report import ReportModel

    folder = Path(report_dir)
    results_path = folder / "results.json"
    if not results_path.is_file():
        raise OutputError(
            f"{folder}: no results.json here; give the folder `reportgen run --out` wrote (it needs the json format)"
        )
    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise OutputError(f"{results_path}: not valid JSON ({exc}); rerun the report") from None
    config: dict[str, Any] = {}
    for name in ("config.resolved.json",):
        if (folder / name).is_file():
            config = json.loads((folder / name).read_text(encoding="utf-8"))
    model = ReportModel.from_results(data, config)
    pdf = (folder / "report.pdf").read_bytes() if (folder / "report.pdf").is_file() else None
    html = (folder / "report.html").read_bytes() if (folder / "report.html").is_file() else None
    return model, pdf, html


def render_channel(rendering: Rendering) -> bytes:
    """The email channel (reportgen.channels): attaches the PDF when the same save wrote it."""
    pdf = rendering.written.get("pdf")
    return bytes(render_email(rendering.model, rendering.config, pdf_bytes=pdf, attach_pdf=pdf is not None))
