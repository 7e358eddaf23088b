"""Chart descriptions from the Result schema, and their two drawings (plotly JSON, matplotlib SVG/PNG)."""

from __future__ import annotations

import re

import numpy as np

from reportgen.render import plotly_draw
from reportgen.render.charts import metric_chart, status_heatmap
from reportgen.render.mpl_draw import draw_png as render_png
from reportgen.render.svg_draw import draw_svg as render_svg
from reportgen.render.templating import load_theme
from reportgen.results import concat_results, make_results

CHUNKS = [{"index": i, "key": f"c{i}", "period": "reference" if i < 3 else "analysis"} for i in range(6)]


def _frame():
    period = ["reference"] * 3 + ["analysis"] * 3
    return make_results(
        step="estimated_performance",
        method="cbpe",
        metric="roc_auc",
        column=None,
        chunk_index=range(6),
        period=period,
        value=[0.9, 0.91, 0.9, 0.9, 0.8, 0.78],
        lower_confidence=0.85,
        upper_confidence=0.95,
        lower_threshold=0.88,
        upper_threshold=0.93,
        alert=[False, False, False, False, True, True],
    )


def test_metric_chart_finding_and_parts():
    c = metric_chart("chart-x", [("estimated", _frame())], CHUNKS, metric="roc_auc", subject="Estimated ROC AUC")
    assert c.title.startswith("Estimated ROC AUC: 2 of 3 analysis chunks outside thresholds")
    assert "last 0.78" in c.title and "reference 0.903" in c.title
    assert c.alerts["x"] == [4.0, 5.0]
    assert c.reference_span == (-0.5, 2.5)
    assert {t["name"] for t in c.thresholds} == {"Upper threshold", "Lower threshold"}
    assert c.band is not None and c.status == "alert"
    assert c.y_label == "ROC AUC" and c.x_label == "Chunk"
    assert [r[-1] for r in c.table.rows] == [None] * 3 + ["ok", "alert", "alert"]


def test_heatmap_statuses():
    rows = []
    for j, col in enumerate(["a", "<b>"]):
        rows.append(
            make_results(
                step="univariate_drift",
                method="jensen_shannon",
                metric="distance",
                column=col,
                chunk_index=range(6),
                period=["reference"] * 3 + ["analysis"] * 3,
                value=np.linspace(0, 0.1, 6) * (j + 1),
                upper_threshold=0.07,
                alert=np.linspace(0, 0.1, 6) * (j + 1) > 0.07,
            )
        )
    frame = concat_results(rows)
    c = status_heatmap("h", frame, CHUNKS, subject="Jensen-Shannon", value_label="Distance")
    assert c.heatmap["rows"] == ["<b>", "a"]
    assert c.heatmap["status"] == [[1, 1, 1], [0, 1, 1]]
    assert c.title == "Jensen-Shannon: 2 features of 2 drifted, 5 alerts in 3 analysis chunks"
    fig = plotly_draw.to_figure(c, load_theme())
    assert fig["data"][0]["y"] == ["&lt;b&gt;", "a"]


def test_svg_is_byte_stable_with_text():
    c = metric_chart("chart-x", [("estimated", _frame())], CHUNKS, metric="roc_auc", subject="Estimated ROC AUC $x$")
    a, b = render_svg(c, load_theme()), render_svg(c, load_theme())
    assert a == b
    text = a.decode()
    assert "<text" in text and "ROC AUC" in text  # svg.fonttype none: labels stay text
    assert "dc:date" not in text
    assert re.search(r"c4", text)


def test_png_for_email():
    c = metric_chart("chart-x", [("estimated", _frame())], CHUNKS, metric="roc_auc", subject="Estimated ROC AUC")
    png = render_png(c, load_theme("dark"), dpi=100)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == render_png(c, load_theme("dark"), dpi=100)


def test_theme_colours_reach_charts():
    c = metric_chart("chart-x", [("estimated", _frame())], CHUNKS, metric="roc_auc", subject="Estimated ROC AUC")
    dark = load_theme("dark")
    fig = plotly_draw.to_figure(c, dark)
    colours = {t.get("line", {}).get("color") for t in fig["data"]}
    assert dark.palette["chart"]["estimated"] in colours
    assert plotly_draw.base_layout(dark)["paper_bgcolor"] == dark.palette["chart"]["background"]
    assert dark.palette["chart"]["estimated"].lower().encode() in render_svg(c, dark).lower()


def test_table_without_empty_columns_keeps_every_value():
    from reportgen.render.charts import Table

    t = Table(
        columns=["Feature", "Lower", "Upper", "Note"],
        formats=["text", "num", "num", "text"],
        rows=[["a", None, 0.5, ""], ["b", None, None, "far"]],
        caption="c",
    )
    slim = t.without_empty_columns()
    assert slim.columns == ["Feature", "Upper", "Note"] and slim.formats == ["text", "num", "text"]
    assert slim.rows == [["a", 0.5, ""], ["b", None, "far"]] and slim.caption == "c"
    full = Table(columns=["x", "y"], formats=["text", "num"], rows=[["a", 1.0]])
    assert full.without_empty_columns() is full
    empty = Table(columns=["x", "y"], formats=["text", "num"], rows=[[None, None]])
    assert empty.without_empty_columns().columns == ["x"]  # the first column always stays
