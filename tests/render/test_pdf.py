"""The PDF: extractable title, section titles and chart labels; escaped user strings; page sizes; stable bytes."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen.render.pdf import render_pdf
from reportgen.render.view import SECTIONS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def text(pdf_bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(s: str) -> str:
    return " ".join(s.split())


def test_title_sections_and_chart_labels_extractable(text):
    flat = _flat(text)
    assert 'Loan <b>model</b> & "friends"' in flat  # markup shown as text, never interpreted
    for title in (s.title for s in SECTIONS):
        assert title in flat, title
    assert "Appendix: methods and data" in flat
    assert "Executive summary" in flat
    # chart labels (matplotlib SVG with text kept as text)
    for label in ("Chunk", "ROC AUC", "Analysis chunk", "Share of rows (%)", "Reference period"):
        assert label in flat, label


def test_evil_column_is_text(text, evil):
    assert evil in _flat(text)


def test_page_header_footer(text, pdf_bytes):
    n = len(PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert f"page 1 of {n}" in text and f"page {n} of {n}" in text


@pytest.fixture(scope="module")
def tiny():
    from tests.synthetic_model import synthetic_model

    return synthetic_model(n_features=2, n_ref=2, n_ana=2, metrics=("roc_auc",))


def test_page_sizes(tiny):
    class Out:
        theme, logo, templates, page_size = "print", None, None, "Letter"

    class Cfg:
        output = Out()

    letter = PdfReader(io.BytesIO(render_pdf(tiny, Cfg()))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


def test_a4_by_default(pdf_bytes):
    """A4 unless output.page_size says Letter; byte stability is checked end to end in test_end_to_end.py."""
    a4 = PdfReader(io.BytesIO(pdf_bytes)).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_page_pictures_for_review(pdf_bytes, tmp_path):
    """Writes test-artifacts/pdf-page-*.png (look at them); checks every page rendered."""
    ARTIFACTS.mkdir(exist_ok=True)
    src = tmp_path / "report.pdf"
    src.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(src), str(ARTIFACTS / "pdf-page")], check=True)
    pages = sorted(ARTIFACTS.glob("pdf-page-*.png"))
    assert len(pages) >= len(PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_print_lists_a_fair_sample_of_many_alerts_and_html_lists_them_all():
    """Thousands of alerts must not become dozens of PDF pages: print shows PRINT_ALERT_ROWS, a few
    per feature in rank order, and says where the rest are; the HTML keeps every alert."""
    from reportgen.render.html import render_html
    from reportgen.render.pdf import render_pdf_html
    from reportgen.render.view import PRINT_ALERT_ROWS, build_view, print_sample
    from tests.synthetic_model import synthetic_model

    model = synthetic_model(n_features=40, n_ref=4, n_ana=40)
    uni = build_view(model, charts=False).section("univariate-drift")
    rows, printed = uni.alerts.rows, uni.alerts_print.rows
    assert len(rows) > PRINT_ALERT_ROWS == len(printed)
    assert all(r in rows for r in printed)
    assert [r[0] for r in printed] == sorted((r[0] for r in printed), key=[r[0] for r in rows].index)  # rank order kept
    pdf_html = render_pdf_html(model)
    assert f"{PRINT_ALERT_ROWS} of {len(rows):,} alerts" in pdf_html and "results.json list every one" in pdf_html
    assert f"Every alert ({len(rows):,})" in render_html(model)
    # one feature with many alerts cannot crowd out the others
    many = [["a", "m", str(i), 1.0, None, 0.5, None] for i in range(100)] + [["b", "m", "0", 1.0, None, 0.5, None]]
    assert {r[0] for r in print_sample(many)} == {"a", "b"}
    assert print_sample(many[:10]) == many[:10]


def test_css_variables_inlined_only_where_declared_once():
    from reportgen.render.pdf import inline_css_variables

    css = (
        ":root { --text: #123456; --bg: white; --twice: red; --nested: var(--text); }\n"
        ".dark { --twice: blue; }\n"
        "p { color: var(--text); background: var( --bg ); border-color: var(--twice); }\n"
        "a { color: var(--nested); outline-color: var(--text, black); }"
    )
    out = inline_css_variables(css)
    assert "p { color: #123456; background: white; border-color: var(--twice); }" in out
    assert "a { color: var(--nested); outline-color: var(--text, black); }" in out  # nested and fallback kept
    assert out.startswith(":root { --text: #123456;")  # declarations stay for anything that still reads them


def test_pdf_html_uses_no_css_variables_of_the_theme(model):
    """The print stylesheet carries literal theme values (cheaper cascade); the PDF looks the same."""
    from reportgen.render.pdf import render_pdf_html
    from reportgen.render.templating import load_theme

    style = render_pdf_html(model).split("<style>", 1)[1].split("</style>", 1)[0]
    assert "var(--" not in style
    assert load_theme().palette["status"]["alert"] in style.split("}", 1)[1]  # used, not only declared


def test_print_shows_fewer_evidence_records_and_says_where_the_rest_are():
    from reportgen.render.sections.issue_resolution import (
        MAX_EVIDENCE_ROWS,
        PRINT_EVIDENCE_ROWS,
        _evidence_table,
    )

    def records(n):
        return [
            {"step": "univariate_drift", "method": "psi", "metric": "distance", "column": "f", "chunk_index": i}
            | {"value": 0.1 * i, "upper_threshold": 0.2, "alert": True}
            for i in range(n)
        ]

    keys = {i: f"c{i}" for i in range(60)}
    html, printed = (
        _evidence_table(records(47), keys, "EUR"),
        _evidence_table(records(47), keys, "EUR", PRINT_EVIDENCE_ROWS),
    )
    assert (
        len(html.rows) == MAX_EVIDENCE_ROWS and html.caption == "The first 12 of 47 records (all are in results.json)"
    )
    assert printed.rows == html.rows[:PRINT_EVIDENCE_ROWS]
    assert printed.caption == "The first 6 of 47 records (the HTML report lists 12, results.json all 47)"
    nine = _evidence_table(records(9), keys, "EUR", PRINT_EVIDENCE_ROWS)
    assert nine.caption == "The first 6 of 9 records (the HTML report and results.json list all 9)"
    assert _evidence_table(records(9), keys, "EUR").caption == ""
    # print drops the all-empty band and lower-threshold columns, keeps every value shown
    slim = printed.without_empty_columns()
    assert (
        "Band low" not in slim.columns and "Lower threshold" not in slim.columns and "Upper threshold" in slim.columns
    )
