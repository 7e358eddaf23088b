"""The PDF's charts drawn as plain SVG: valid XML, byte-stable, gaps at missing values, text kept as text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from reportgen.render.charts import Chart, Series, Table
from reportgen.render.svg_draw import draw_svg, nice_ticks
from reportgen.render.templating import load_theme

NS = "{http://www.w3.org/2000/svg}"


def _chart(**over) -> Chart:
    base = dict(
        id="c",
        kind="metric",
        title="t",
        x_label="Chunk",
        y_label="ROC <AUC> & co",
        aria="",
        table=Table(columns=[], formats=[], rows=[]),
        series=[Series(name="Estimated <b>", x=[0, 1, 2, 3, 4], y=[0.8, 0.82, None, 0.7, 0.71])],
        x_ticks=[0.0, 2.0, 4.0],
        x_tick_labels=["2024-01", "2024-03", "2024-05"],
        reference_span=(-0.5, 1.5),
        band={"x": [0, 1, 2, 3, 4], "lower": [0.7] * 5, "upper": [0.9] * 5, "name": "Confidence band"},
        thresholds=[{"x": [0, 1, 2, 3, 4], "y": [0.75] * 5, "name": "Lower threshold"}],
        alerts={"x": [3.0, 4.0], "y": [0.7, 0.71], "name": "Alert"},
    )
    base.update(over)
    return Chart(**base)


def test_nice_ticks_are_round_steps_covering_the_range():
    assert nice_ticks(0.62, 0.86) == [0.65, 0.7, 0.75, 0.8, 0.85]
    assert nice_ticks(-4.9e5, 3.1e5) == [-400000.0, -200000.0, 0.0, 200000.0]
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_valid_xml_byte_stable_and_escaped():
    theme = load_theme()
    a, b = draw_svg(_chart(), theme), draw_svg(_chart(), theme)
    assert a == b
    root = ET.fromstring(a)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "ROC <AUC> & co" in texts and "Estimated <b>" in texts and "2024-03" in texts
    assert b"<b>" not in a


def test_line_breaks_at_a_missing_value_and_alerts_are_marked():
    svg = draw_svg(_chart(), load_theme()).decode()
    estimated = load_theme().palette["chart"]["estimated"]
    line = re.search(rf'<path d="([^"]+)" fill="none" stroke="{estimated}" stroke-width="1.4"', svg).group(1)
    assert line.count("M") == 2  # two runs: chunks 0-1 and 3-4
    assert svg.count("<circle") == 4 + 1  # one dot per finite point, one in the legend swatch
    assert "Alert" in svg and "Reference period" in svg


def test_heatmap_cells_by_status():
    chart = _chart(
        kind="heatmap",
        series=[],
        band=None,
        thresholds=[],
        alerts=None,
        reference_span=None,
        x_ticks=[0.0, 1.0],
        x_tick_labels=["a", "b"],
        heatmap={
            "rows": ["f1", "f2"],
            "cols": ["a", "b"],
            "status": [[1, 0], [None, 1]],
            "values": [],
            "value_label": "",
        },
    )
    svg = draw_svg(chart, load_theme()).decode()
    alert = load_theme().palette["chart"]["heat_alert"]
    cells = re.search(rf'<path d="([^"]+)" fill="{alert}"', svg).group(1)
    assert cells.count("M") == 2
    background = load_theme().palette["chart"]["background"]
    marks = re.findall(rf'<path d="([^"]+)" fill="{background}"', svg)[-1]  # drawn last, over the cells
    bars = [float(x) + 0.85 for x in re.findall(r"M([\d.]+),[\d.]+h1.7l", marks)]
    centres = [float(x) + float(w) / 2 for x, w in re.findall(r"M([\d.]+),[\d.]+h([\d.]+)v", cells)]
    assert bars == pytest.approx(centres, abs=0.01)  # one '!' (bar and dot) centred on each alerting cell
    assert marks.count("M") == 2 * 2 and ">!</text>" not in svg  # drawn as a shape, not as letters


def test_many_chunk_labels_thinned_evenly_in_print():
    """At most MAX_X_LABELS chunk labels under a line chart (SVG text is costly in weasyprint), every k-th kept."""
    from reportgen.render.svg_draw import MAX_X_LABELS

    keys = [f"2024-{m:02d}" for m in range(1, 23)]
    chart = _chart(x_ticks=[float(i) for i in range(22)], x_tick_labels=keys)
    texts = [t.text for t in ET.fromstring(draw_svg(chart, load_theme())).iter(f"{NS}text")]
    drawn = [t for t in texts if t in keys]
    assert drawn == keys[::3] and len(drawn) <= MAX_X_LABELS
    few = [t.text for t in ET.fromstring(draw_svg(_chart(), load_theme())).iter(f"{NS}text")]
    assert {"2024-01", "2024-03", "2024-05"} <= set(few)  # three labels: all drawn
