"""Print tables: column widths estimated from the text for weasyprint's fixed layout."""

from __future__ import annotations

import pytest

from reportgen.render.charts import Table
from reportgen.render.print_tables import CELL_PAD_PT, EM, TABLE_FONT_PT, TEXT_COLUMN_PT, column_widths

CHAR = TABLE_FONT_PT * EM


def test_a_narrow_table_keeps_its_content_width():
    t = Table(columns=["a", "b"], formats=["text", "num"], rows=[["x" * 20, 123456.0], ["y", 1.5]])
    w = column_widths(t)
    first = 20 * CHAR + CELL_PAD_PT  # the widest text, unwrapped
    second = len("123,456") * CHAR + CELL_PAD_PT  # the formatted number, as printed
    assert w.table == pytest.approx(100 * (first + second) / TEXT_COLUMN_PT, abs=0.01)
    assert w.columns == pytest.approx([100 * first / (first + second), 100 * second / (first + second)], abs=0.01)


def test_a_wide_table_gives_the_long_text_what_is_left():
    note = "above all 2,000 random reference samples of 1,500 rows (tail estimate p = 1e-67) " * 2
    t = Table(
        columns=["Feature", "Value", "How unusual"],
        formats=["text", "num", "text"],
        rows=[["income", 0.0439, note], ["loan_length", 0.0723, note]],
    )
    w = column_widths(t)
    assert w.table == 100.0 and sum(w.columns) == pytest.approx(100.0, abs=0.05)
    feature, value = (len("loan_length") * CHAR + CELL_PAD_PT, len("0.0723") * CHAR + CELL_PAD_PT)
    spare = TEXT_COLUMN_PT - feature - value - (len("random") * CHAR + CELL_PAD_PT)
    assert spare > 0
    # the short columns get their content and a share in proportion to what they lack (nothing, here:
    # their narrowest and widest are equal), so the note takes every remaining point
    assert w.columns[0] * TEXT_COLUMN_PT / 100 == pytest.approx(feature, abs=0.1)
    assert w.columns[1] * TEXT_COLUMN_PT / 100 == pytest.approx(value, abs=0.1)


def test_pdf_tables_use_the_fixed_layout_and_html_tables_do_not(model):
    from reportgen.render.html import render_html
    from reportgen.render.pdf import render_pdf_html

    pdf_html = render_pdf_html(model)
    assert pdf_html.count("<colgroup>") == pdf_html.count("table-layout: fixed") > 3  # every macros.table
    assert "table-layout: fixed" not in render_html(model)
