"""The HTML report: one offline file, escaped user strings, sections in order, template overrides."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pytest

from reportgen.render.html import render_html, render_notebook_html
from reportgen.render.templating import export_templates, make_environment
from reportgen.render.view import SECTIONS, build_view

from .conftest import EVIL_TITLE


def test_no_external_resources(html):
    assert "Plotly" in html
    assert html.count("<script>") == 1  # the small drawing script; plotly.js is a gzipped data block
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)  # plotly.js holds URLs in strings
    assert not re.search(r"(src|href)=\"(https?:)?//", markup)
    assert "@import" not in markup and "url(http" not in markup


def test_plotly_js_inlined_once_gzipped(html):
    from plotly.offline import get_plotlyjs

    blocks = re.findall(r'<script type="application/octet-stream" id="rg-plotly"[^>]*>(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    unpacked = gzip.decompress(base64.b64decode(blocks[0])).decode("utf-8")
    assert unpacked == get_plotlyjs()
    assert len(blocks[0]) < 0.45 * len(unpacked)  # the page carries well under half of the 4.8 MB bundle


def test_user_strings_escaped(html, evil):
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>model</b>" not in html and "<img src=x" not in html
    assert "Loan &lt;b&gt;model&lt;/b&gt; &amp; &#34;friends&#34;" in html
    figures = re.search(r'<script type="application/json" id="rg-figures">(.*?)</script>', html, re.S).group(1)
    assert "<" not in figures  # JSON inside <script> never contains '<'
    assert "\\u003cscript\\u003e" in figures or "&lt;script&gt;" in json.loads(figures).__repr__()


def test_sections_in_design_order_and_toc(html):
    ids = ["summary"] + [s.anchor for s in SECTIONS] + ["appendix"]
    positions = [html.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    for i in ids:
        assert f'href="#{i}"' in html


def test_every_chart_has_text_alternative(model, html):
    view = build_view(model)
    assert len(view.charts) >= 10
    for chart in view.charts:
        assert f'id="{chart.id}" role="img" aria-label="' in html
        assert chart.table.rows, chart.id
    assert html.count('<details class="chart-data">') == len(view.charts)


def test_status_colour_always_with_word(html):
    for badge in re.findall(r'<span class="badge status-(\w+)">(.*?)</span>\s*(\w+)?', html)[:50]:
        assert badge[0] in ("ok", "info", "warning", "alert", "none")
    assert "Status: Alert" in html


def test_notebook_html_static(model):
    out = render_notebook_html(model)
    assert "<script" not in out
    assert out.count("data:image/svg+xml;base64,") == len(build_view(model).charts)
    css = out.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "body {" not in css and "\nh3 {" not in css  # a cell never restyles the notebook page
    assert ".reportgen-notebook table.data th" in css


def test_user_template_replaces_only_one_section(model, html, tmp_path):
    user = tmp_path / "mine" / "sections"
    user.mkdir(parents=True)
    (user / "business_value.html").write_text(
        '<section id="{{ section.id }}" class="section"><h2>Money, our way</h2><p>{{ section.finding }}</p></section>\n',
        encoding="utf-8",
    )

    class Out:
        theme, logo, templates, page_size = "default", None, str(tmp_path / "mine"), "A4"

    class Cfg:
        output = Out()

    custom = render_html(model, Cfg())
    assert "Money, our way" in custom
    before_a, after_a = html.split('<section id="business-value"', 1)
    before_b, after_b = custom.split('<section id="business-value"', 1)
    assert before_a == before_b
    rest_a = after_a.split('<section id="multivariate-drift"', 1)[1]
    rest_b = after_b.split('<section id="multivariate-drift"', 1)[1]
    assert rest_a == rest_b


def test_lookup_order_user_then_theme_then_builtin(tmp_path):
    from reportgen.render.templating import load_theme

    theme_dir = tmp_path / "t"
    (theme_dir / "templates").mkdir(parents=True)
    (theme_dir / "theme.yaml").write_text("name: t\nextends: default\n", encoding="utf-8")
    (theme_dir / "templates" / "x.html").write_text("theme", encoding="utf-8")
    (theme_dir / "templates" / "y.html").write_text("theme-y", encoding="utf-8")
    user = tmp_path / "u"
    user.mkdir()
    (user / "x.html").write_text("user", encoding="utf-8")
    env = make_environment(load_theme(str(theme_dir)), user)
    assert env.get_template("x.html").render() == "user"
    assert env.get_template("y.html").render() == "theme-y"
    assert "{% extends" in Path(env.get_template("report.html").filename).read_text(encoding="utf-8")


def test_export_templates(tmp_path):
    written = export_templates(tmp_path / "tpl")
    names = {p.relative_to(tmp_path / "tpl").as_posix() for p in written}
    assert {
        "base.html",
        "report.html",
        "macros.html",
        "sections/summary.html",
        "sections/appendix.html",
        "email/body.html",
    } <= names
    with pytest.raises(Exception, match="already exists"):
        export_templates(tmp_path / "tpl")


def test_size_budget_10_features_50_chunks():
    from tests.synthetic_model import synthetic_model

    big = synthetic_model(
        n_features=10, n_ref=10, n_ana=40, metrics=("roc_auc", "f1", "precision", "recall", "accuracy")
    )
    out = render_html(big)
    assert len(out.encode()) < 6_000_000


def test_title_in_header(html):
    assert "<h1>Loan &lt;b&gt;model&lt;/b&gt;" in html
    assert EVIL_TITLE not in html


def test_logo_embedded_as_data_uri(model, tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        encoding="utf-8",
    )

    class Out:
        theme, logo, templates, page_size = "print", str(tmp_path / "logo.svg"), None, "A4"

    class Cfg:
        output = Out()

    out = render_notebook_html(model, Cfg())
    assert '<img class="logo" src="data:image/svg+xml;base64,' in out


def test_attributes_are_well_formed(html):
    assert "=&#34;" not in html and "=&quot;" not in html  # no attribute built as an escaped string
    assert re.search(r'<td class="n" data-sort="[-0-9.e+]+">', html)
