"""The e-mail's MIME structure, subject, inline PNG charts by Content-ID, escaping, size guards, determinism."""

from __future__ import annotations

import re
import struct
from email import message_from_bytes, policy

import pytest

from reportgen.errors import OutputError
from reportgen.render.email import EmailSizeWarning, make_subject, render_email

from .conftest import make_model

PDF = b"%PDF-1.7\n% fake pdf for the test\n"


def parse(msg):
    return message_from_bytes(bytes(msg), policy=policy.default)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_structure_alternative_with_related_images_and_pdf(model) -> None:
    msg = parse(
        render_email(
            model, None, pdf_bytes=PDF, html_bytes=b"<html></html>", to=["team@example.com"], cc=["boss@example.com"]
        )
    )
    assert msg.get_content_type() == "multipart/mixed"
    alternative, pdf, html_attachment = msg.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert [i.get_content_type() for i in images] == ["image/png", "image/png"]  # the two alerting series
    assert (pdf.get_content_type(), pdf.get_filename(), pdf.get_content()) == ("application/pdf", "report.pdf", PDF)
    assert (html_attachment.get_content_type(), html_attachment.get_filename()) == ("text/html", "report.html")
    html = html_part.get_content()
    cids = [i["Content-ID"].strip("<>") for i in images]
    assert re.findall(r'src="cid:([^"]+)"', html) == cids
    for image in images:
        width, height = png_size(image.get_content())
        shown = int(
            re.search(rf'src="cid:{re.escape(image["Content-ID"].strip("<>"))}"[^>]*width="(\d+)"', html).group(1)
        )
        assert width == 2 * shown  # drawn at 2x, shown at half width
        assert image["Content-Disposition"].startswith("inline")
    assert "<script" not in html.lower() and "data:" not in html and "<svg" not in html.lower()
    assert msg["To"] == "team@example.com" and msg["Cc"] == "boss@example.com"
    assert "0.87" in plain.get_content() and "Retrain on recent data." in plain.get_content()


def test_subject_has_status_period_and_headline(model) -> None:
    assert (
        make_subject(model) == "[ALERT] Car loan model, 2024-W46 to 2024-W48: estimated ROC AUC 0.87 (reference 0.95)"
    )
    calm = make_model(auc=(0.95,) * 7)
    calm.results = [r for r in calm.results if r["step"] == "estimated_performance"]
    calm.summary["status"] = "ok"
    assert make_subject(calm).startswith(
        "[OK] Car loan model, 2024-W46 to 2024-W48: estimated ROC AUC 0.95 (reference 0.95)"
    )
    long_subject = "[WARNING] Car loan model, 2024-W15: estimated ROC AUC 0.88 (reference 0.86)"
    assert (
        parse(render_email(calm, None, pdf_bytes=PDF, subject=long_subject))["Subject"] == long_subject
    )  # no folding quirk
    msg = render_email(calm, None, pdf_bytes=PDF, subject="Weekly\r\nBcc: evil@example.com")
    assert msg["Subject"] == "Weekly Bcc: evil@example.com" and msg["Bcc"] is None
    assert not [p for p in msg.walk() if p.get_content_type() == "image/png"]  # no alert, no chart


def test_bytes_are_deterministic_and_follow_generation_time(model) -> None:
    one = bytes(render_email(model, None, pdf_bytes=PDF, to=["a@example.com"]))
    two = bytes(render_email(model, None, pdf_bytes=PDF, to=["a@example.com"]))
    assert one == two
    msg = parse(one)
    assert msg["Date"] == "Mon, 02 Dec 2024 06:00:00 +0000"
    assert re.fullmatch(r"<[0-9a-f]{32}@reportgen>", msg["Message-ID"])
    later = make_model(generated_at="2024-12-09T06:00:00+00:00")
    assert parse(render_email(later, None, pdf_bytes=PDF, to=["a@example.com"]))["Message-ID"] != msg["Message-ID"]


def test_user_strings_are_escaped() -> None:
    evil = make_model(title="<b>Loans</b>", column="<script>alert(1)</script>")
    msg = parse(render_email(evil, None, pdf_bytes=PDF))
    html = msg.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Loans</b>" not in html and "&lt;b&gt;Loans&lt;/b&gt;" in html
    assert msg["Subject"].startswith("[ALERT] <b>Loans</b>,")  # a header is plain text, not HTML


def test_size_limit_is_a_clear_error(model) -> None:
    with pytest.raises(
        OutputError, match=r"the e-mail would be [0-9.]+ MB, over the 0.1 MB limit; leave out the HTML attachment"
    ) as info:
        render_email(model, None, pdf_bytes=PDF, html_bytes=b"x" * 200_000, max_bytes=100_000)
    assert info.value.exit_code == 2


def test_gmail_clipping_warning(model, tmp_path) -> None:
    from reportgen.config import load_config

    folder = tmp_path / "tpl" / "email"
    folder.mkdir(parents=True)
    (folder / "body.html").write_text("<html><body>{{ title }}" + "<p>padding</p>" * 9000 + "</body></html>")
    config = load_config(
        data={
            "problem_type": "binary_classification",
            "columns": {"prediction": "y_pred", "predicted_probability": "p"},
            "output": {"templates": str(tmp_path / "tpl")},
        }
    )
    with pytest.warns(EmailSizeWarning, match="Gmail clips"):
        render_email(model, config, pdf_bytes=PDF)


def test_bad_address_is_refused(model) -> None:
    from reportgen.errors import ConfigError

    with pytest.raises(ConfigError, match="not an e-mail address"):
        render_email(model, None, pdf_bytes=PDF, to=["not an address"])
