"""The "Read with care" box: at the top of the HTML and the e-mail, mentioned in the sections it touches,
absent when a run has nothing to warn about."""

from __future__ import annotations

import email
import re
from email import policy

import pandas as pd
import pytest
from trust_cases import constant, loan_config, loan_frame, run_quiet


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, str]:
    """A weekly run with a constant reference feature and a stray row three weeks after the rest."""
    reference = loan_frame(2000, 0, "2024-01-01", 51, minutes=60, level=constant(0.0))
    analysis = loan_frame(1000, 7_000, "2024-04-01", 52, minutes=60, level=lambda rng, n: rng.exponential(1.0, n))
    stray = analysis.iloc[[3]].assign(rid=88_888, when=pd.Timestamp("2024-06-20"))
    analysis = pd.concat([analysis, stray], ignore_index=True)
    out = tmp_path_factory.mktemp("care")
    run_quiet(loan_config({"period": "W"}), reference, analysis).save(out, ["html", "email", "json"])
    message = email.message_from_bytes((out / "report.eml").read_bytes(), policy=policy.default)
    return {
        "html": (out / "report.html").read_text(encoding="utf-8"),
        "text": message.get_body(("plain",)).get_content(),
        "mail_html": message.get_body(("html",)).get_content(),
    }


def test_the_box_sits_above_the_cards_and_lists_each_warning(written):
    html = written["html"]
    box = html.index('id="read-with-care"')
    assert box < html.index('class="cards"') < html.index('id="estimated-performance"')
    block = html[box : html.index("</aside>", box)]
    assert "Small chunks:" in block and "2024-W25 (1 row)" in block
    assert "Missing periods:" in block and "Constant in the reference:" in block
    assert "(columns: lvl)" in block


def test_each_touched_section_mentions_its_warning(written):
    html = written["html"]
    uni = html[html.index('id="univariate-drift"') : html.index('id="data-quality"')]
    assert "Read with care: lvl is constant in the reference" in uni
    est = html[html.index('id="estimated-performance"') : html.index('id="estimated-vs-realized"')]
    assert "Read with care: 1 chunk too small to judge" in est
    assert "is constant in the reference" not in est


def test_the_unjudged_chunk_is_greyed_in_the_data_tables_with_its_reason(written):
    html = written["html"]
    assert '<span class="badge status-no_data">' in html
    assert "too few rows to judge: 1 row, this method needs" in html


def test_the_email_carries_the_box_in_both_parts(written):
    assert "Read with care:" in written["text"]
    assert "- Small chunks: 1 chunk too small to judge" in written["text"]
    assert re.search(r"Read with care</h2>", written["mail_html"])
    assert written["mail_html"].index("Read with care") < written["mail_html"].index("Headline numbers")


def test_a_clean_run_has_no_box(tmp_path):
    reference = loan_frame(1500, 0, "2024-01-01", 53)
    analysis = loan_frame(1500, 5_000, "2024-03-01", 54)
    run_quiet(loan_config({"size": 500}), reference, analysis).save(tmp_path, ["html"])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="read-with-care"' not in html and '<p class="caution-note">' not in html
