"""Draw a Chart description as a plotly figure (data + layout as plain JSON) for the HTML report.

Only plain dicts are produced here (no plotly template per figure): the theme's shared layout is
written once per page and merged in the browser (saves ~6.5 KB a chart). Every user string is
HTML-escaped because plotly renders a subset of HTML tags inside text.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
from typing import TYPE_CHECKING, Any

from reportgen.render.charts import Chart

if TYPE_CHECKING:
    from reportgen.render.templating import Theme

MAX_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def esc(text: Any) -> str:
    """Escape a string for plotly's HTML-like text rendering."""
    return html.escape(str(text), quote=False)


def _color(theme: Theme, role: str) -> str:
    chart = theme.palette["chart"]
    if role in chart and isinstance(chart[role], str):
        return chart[role]
    if role.startswith("series"):
        pal = chart["series"]
        return pal[int(role[6:] or 0) % len(pal)]
    if role == "ref_dist":  # the reference distribution: drawn in the text colour, chunks in the series colours
        return chart["text"]
    return chart["series"][0]


def base_layout(theme: Theme) -> dict[str, Any]:
    """The layout every figure shares (the 'template' applied once per page)."""
    c = theme.palette["chart"]
    axis = {
        "gridcolor": c["grid"],
        "linecolor": c["axis"],
        "zerolinecolor": c["grid"],
        "tickfont": {"size": 11},
        "automargin": True,
        "title": {"font": {"size": 12}},
    }
    return {
        "font": {"family": theme.fonts.get("body", "sans-serif"), "color": c["text"], "size": 12},
        "paper_bgcolor": c["background"],
        "plot_bgcolor": c["background"],
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "height": 320,
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.25, "x": 0, "font": {"size": 11}},
        "xaxis": dict(axis),
        "yaxis": dict(axis),
    }


def to_figure(chart: Chart, theme: Theme) -> dict[str, Any]:
    """A {data, layout} dict for Plotly.newPlot (floats cut to 6 significant digits: the page stays small)."""
    fig = _heatmap(chart, theme) if chart.kind == "heatmap" else _xy(chart, theme)
    return _round(fig)


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def _xy(chart: Chart, theme: Theme) -> dict[str, Any]:
    c = theme.palette["chart"]
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if chart.reference_span:
        x0, x1 = chart.reference_span
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": x0,
                "x1": x1,
                "y0": 0,
                "y1": 1,
                "fillcolor": c["reference"],
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "x": (x0 + x1) / 2,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "text": "Reference",
                "font": {"size": 10, "color": c["axis"]},
            }
        )
    if chart.band:
        b = chart.band
        data.append(
            {
                "type": "scatter",
                "x": b["x"],
                "y": b["upper"],
                "mode": "lines",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": "band-upper",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": b["x"],
                "y": b["lower"],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": c["band"],
                "name": esc(b["name"]),
                "hoverinfo": "skip",
            }
        )
    for t in chart.thresholds:
        data.append(
            {
                "type": "scatter",
                "x": t["x"],
                "y": t["y"],
                "mode": "lines",
                "name": esc(t["name"]),
                "line": {"color": c["threshold"], "dash": "dash", "width": 1.2},
                "hoverinfo": "skip",
            }
        )
    for s in chart.series:
        color = _color(theme, s.role)
        trace: dict[str, Any] = {"x": s.x, "y": s.y, "name": esc(s.name)}
        if s.kind == "bar":
            trace.update({"type": "bar", "marker": {"color": color}})
        else:
            trace.update(
                {
                    "type": "scatter",
                    "mode": "lines+markers" if s.kind == "line" else "lines",
                    "line": {
                        "color": color,
                        "width": 2,
                        "dash": "dot" if s.dash else "solid",
                        "shape": "hvh" if s.kind == "step" else "linear",
                    },
                    "marker": {"size": 5, "color": color},
                }
            )
        if s.customdata is not None:
            trace["customdata"] = [esc(k) for k in s.customdata]
            trace["hovertemplate"] = "%{customdata}: %{y:.4g}<extra>" + esc(s.name) + "</extra>"
        data.append(trace)
    if chart.alerts:
        data.append(
            {
                "type": "scatter",
                "x": chart.alerts["x"],
                "y": chart.alerts["y"],
                "mode": "markers",
                "name": "Alert",
                "marker": {"symbol": "x", "size": 11, "color": c["alert"], "line": {"width": 1, "color": c["alert"]}},
                "hovertemplate": "Alert: %{y:.4g}<extra></extra>",
            }
        )
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": esc(chart.x_label)}},
        "yaxis": {"title": {"text": esc(chart.y_label)}},
        "shapes": shapes,
        "annotations": annotations,
    }
    if chart.x_ticks:
        layout["xaxis"].update(
            {"tickmode": "array", "tickvals": chart.x_ticks, "ticktext": [esc(t) for t in chart.x_tick_labels]}
        )
    if chart.kind == "distribution" and chart.stacked:
        layout["barmode"] = "stack"
        layout["yaxis"]["tickformat"] = ".0%"
        layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1}
        layout["margin"] = {"r": 120}
    elif chart.kind == "distribution":
        layout["yaxis"]["tickformat"] = ".0%"
    if chart.kind == "bars":
        layout["barmode"] = "group"
    return {"data": data, "layout": layout}


def _heatmap(chart: Chart, theme: Theme) -> dict[str, Any]:
    c = theme.palette["chart"]
    h = chart.heatmap or {}
    rows = [esc(r) for r in h["rows"]]
    z = [[(-1 if v is None else v) for v in row] for row in h["status"]]
    text = [["!" if v == 1 else "" for v in row] for row in h["status"]]
    hover = [
        [
            f"{esc(h['value_label'])} {('' if val is None else format(val, '.4g'))}{' - ALERT' if st == 1 else ''}"
            for val, st in zip(vrow, srow)
        ]
        for vrow, srow in zip(h["values"], h["status"])
    ]
    trace = {
        "type": "heatmap",
        "x": list(range(len(h["cols"]))),
        "y": rows,
        "z": z,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"color": c["background"], "size": 12},
        "customdata": hover,
        "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
        "zmin": -1,
        "zmax": 1,
        "colorscale": [
            [0, c["heat_missing"]],
            [0.33, c["heat_missing"]],
            [0.34, c["heat_ok"]],
            [0.66, c["heat_ok"]],
            [0.67, c["heat_alert"]],
            [1, c["heat_alert"]],
        ],
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
    }
    height = max(220, 60 + 22 * len(rows))
    layout = {
        "height": height,
        "xaxis": {
            "title": {"text": esc(chart.x_label)},
            "tickmode": "array",
            "tickvals": chart.x_ticks,
            "ticktext": [esc(t) for t in chart.x_tick_labels],
            "showgrid": False,
        },
        "yaxis": {"title": {"text": ""}, "autorange": "reversed", "showgrid": False, "type": "category"},
        "margin": {"l": 140},
    }
    return {"data": [trace], "layout": layout}


def script_json(value: Any) -> str:
    """JSON safe inside a <script type="application/json"> element: sorted keys, '<' escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for ch, rep in MAX_SAFE.items():
        text = text.replace(ch, rep)
    return text


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (inlined once per page)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@functools.lru_cache(maxsize=1)
def plotly_js_gzip_base64() -> str:
    """plotly.js gzipped (mtime 0: byte-stable) and base64-encoded: 4.8 MB -> 2.0 MB in the page.

    The page unpacks it with the browser's native DecompressionStream("gzip")
    (https://developer.mozilla.org/docs/Web/API/DecompressionStream) before drawing the charts.
    """
    packed = gzip.compress(plotly_js().encode("utf-8"), compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii")
