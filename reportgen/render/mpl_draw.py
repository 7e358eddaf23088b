"""Draw a Chart description with matplotlib as PNG for the e-mail (the PDF's SVG: reportgen.render.svg_draw).

Byte-stable output: Agg backend and no date in the metadata. Same colours as the HTML charts: they
come from the theme's palette. User strings are escaped for mathtext ('$').
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from reportgen.render.charts import Chart

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from reportgen.render.templating import Theme

RC: dict[RcKeyType, Any] = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "path.simplify": True,
}
WIDTH_IN = 7.0


def text(s: Any) -> str:
    """A user string safe from matplotlib's mathtext."""
    return str(s).replace("$", r"\$")


def _si(value: float, _pos: Any = None) -> str:
    """Axis numbers like plotly's: 1.5M, 250k, 0.85 (no '1e6' offset text)."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:.4g}"


def _rgba(color: str) -> Any:
    color = color.strip()
    if color.startswith("rgba("):
        r, g, b, a = (float(v) for v in color[5:-1].split(","))
        return (r / 255, g / 255, b / 255, a)
    return to_rgba(color)


def _color(theme: Theme, role: str) -> Any:
    chart = theme.palette["chart"]
    if role in chart and isinstance(chart[role], str):
        return _rgba(chart[role])
    if role.startswith("series"):
        pal = chart["series"]
        return _rgba(pal[int(role[6:] or 0) % len(pal)])
    if role == "ref_dist":  # the reference distribution: drawn in the text colour, chunks in the series colours
        return _rgba(chart["text"])
    return _rgba(chart["series"][0])


def figure(chart: Chart, theme: Theme) -> Any:
    """A matplotlib Figure (no pyplot state, freed when dropped) drawn from the chart description."""
    c = theme.palette["chart"]
    font = theme.fonts.get("chart", "DejaVu Sans")
    with plt.rc_context(
        {
            **RC,
            "font.family": font,
            "text.color": c["text"],
            "axes.labelcolor": c["text"],
            "xtick.color": c["axis"],
            "ytick.color": c["axis"],
            "axes.edgecolor": c["axis"],
        }
    ):
        # Fixed margins instead of tight_layout (a third of the drawing time); the left margin fits the longest label.
        if chart.kind == "heatmap":
            rows = [str(r) for r in chart.heatmap["rows"]] if chart.heatmap else [""]
            height = min(9.0, 1.0 + 0.2 * len(rows))
            fig = Figure(figsize=(WIDTH_IN, height))
            left = min(0.45, (0.25 + 0.065 * max(len(r) for r in rows)) / WIDTH_IN)
            fig.subplots_adjust(left=left, right=0.98, top=1 - 0.12 / height, bottom=0.75 / height)
            ax = fig.add_subplot()
            _heatmap(ax, chart, theme)
        else:
            height = 3.0
            fig = Figure(figsize=(WIDTH_IN, height))
            legend_right = chart.kind == "distribution" and chart.stacked
            below = 0.0 if legend_right else 0.28  # inches for the legend row under the axis
            bottom = (0.7 if len(chart.x_ticks) > 6 else 0.5) + below
            fig.subplots_adjust(left=0.1, right=0.78 if legend_right else 0.98, top=0.95, bottom=bottom / height)
            ax = fig.add_subplot()
            _xy(ax, chart, theme)
        fig.patch.set_facecolor(_rgba(c["background"]))
        ax.set_facecolor(_rgba(c["background"]))
    return fig


def _xy(ax: Any, chart: Chart, theme: Theme) -> None:
    c = theme.palette["chart"]
    ax.grid(True, axis="y", color=_rgba(c["grid"]), linewidth=0.5)
    ax.tick_params(bottom=False, left=False)  # no tick marks: fewer SVG nodes for weasyprint to draw
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if chart.reference_span:
        x0, x1 = chart.reference_span
        ax.axvspan(x0, x1, color=_rgba(c["reference"]), linewidth=0, label="Reference period")
    if chart.band:
        b = chart.band
        lo = [float("nan") if v is None else v for v in b["lower"]]
        hi = [float("nan") if v is None else v for v in b["upper"]]
        ax.fill_between(b["x"], lo, hi, color=_rgba(c["band"]), linewidth=0, label=text(b["name"]))
    for t in chart.thresholds:
        ys = [float("nan") if v is None else v for v in t["y"]]
        ax.plot(t["x"], ys, linestyle="--", linewidth=0.9, color=_rgba(c["threshold"]), label=text(t["name"]))
    bar_series = [s for s in chart.series if s.kind == "bar"]
    if chart.kind == "distribution" and chart.stacked:
        bottoms = [0.0] * len(chart.x_tick_labels)
        for s in chart.series:
            ys = [0.0 if v is None else v for v in s.y]
            ax.bar(s.x, ys, bottom=bottoms, color=_color(theme, s.role), label=text(s.name), width=0.6)
            bottoms = [b + y for b, y in zip(bottoms, ys)]
    else:
        width = 0.8 / max(1, len(bar_series))
        k = 0
        for s in chart.series:
            ys = [float("nan") if v is None else v for v in s.y]
            color = _color(theme, s.role)
            if s.kind == "bar":
                offset = (k - (len(bar_series) - 1) / 2) * width
                ax.bar([x + offset for x in s.x], ys, width=width, color=color, label=text(s.name))
                k += 1
            elif s.kind == "step":
                ax.step(s.x, ys, where="mid", color=color, linewidth=1.4, label=text(s.name))
            else:
                few = len(s.x) <= 16  # point markers only on short series (each marker is an SVG node)
                ax.plot(
                    s.x,
                    ys,
                    color=color,
                    linewidth=1.4,
                    marker="o" if few else None,
                    markersize=2.5,
                    linestyle=":" if s.dash else "-",
                    label=text(s.name),
                )
    if chart.alerts:
        ax.scatter(
            chart.alerts["x"], chart.alerts["y"], marker="x", s=30, color=_rgba(c["alert"]), zorder=5, label="Alert"
        )
    if chart.x_ticks:
        ax.set_xticks(chart.x_ticks)
        ax.set_xticklabels(
            [text(t) for t in chart.x_tick_labels],
            rotation=30 if len(chart.x_ticks) > 6 else 0,
            ha="right" if len(chart.x_ticks) > 6 else "center",
        )
    if chart.kind == "distribution":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(_si))
    ax.set_xlabel(text(chart.x_label))
    ax.set_ylabel(text(chart.y_label))
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        if chart.kind == "distribution" and chart.stacked:  # categories: a column to the right of the bars
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, ncol=1)
        else:  # one row under the axis, never over the data (as in the HTML charts)
            ax.figure.legend(
                handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), frameon=False, ncol=min(6, len(labels))
            )


def _heatmap(ax: Any, chart: Chart, theme: Theme) -> None:
    c = theme.palette["chart"]
    h = chart.heatmap or {}
    z = [[(-1 if v is None else v) for v in row] for row in h["status"]]
    cmap = ListedColormap([_rgba(c["heat_missing"]), _rgba(c["heat_ok"]), _rgba(c["heat_alert"])])
    ax.imshow(z, cmap=cmap, vmin=-1.5, vmax=1.5, aspect="auto", interpolation="nearest")
    for i, row in enumerate(h["status"]):
        for j, v in enumerate(row):
            if v == 1:
                ax.text(
                    j, i, "!", ha="center", va="center", color=_rgba(c["background"]), fontsize=7, fontweight="bold"
                )
    ax.set_yticks(range(len(h["rows"])))
    ax.set_yticklabels([text(r) for r in h["rows"]])
    ax.set_xticks(chart.x_ticks)
    ax.set_xticklabels(
        [text(t) for t in chart.x_tick_labels],
        rotation=30 if len(chart.x_ticks) > 6 else 0,
        ha="right" if len(chart.x_ticks) > 6 else "center",
    )
    ax.set_xlabel(text(chart.x_label))
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)


def draw_png(chart: Chart, theme: Theme, *, dpi: int = 200) -> bytes:
    """PNG at `dpi` (the e-mail shows it at half size), without time metadata."""
    fig = figure(chart, theme)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "reportgen"})
    return buf.getvalue()
