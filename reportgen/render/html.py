"""ReportModel -> one self-contained HTML file (plotly.js inlined once) and the notebook HTML.

All markup comes from the Jinja templates (autoescaped); this module only prepares the context:
the view (reportgen.render.view), the theme, and the chart payloads (plotly JSON for the page,
SVG data URIs for the notebook and PDF).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from reportgen.render import plotly_draw
from reportgen.render.charts import Chart
from reportgen.render.sections.header import build_meta
from reportgen.render.svg_draw import draw_svg
from reportgen.render.templating import Theme, environment_for, theme_for
from reportgen.render.view import ReportView, build_view
from reportgen.report import ReportModel

if TYPE_CHECKING:
    from reportgen.render.save import Rendering


def svg_data_uri(chart: Chart, theme: Theme) -> str:
    """A chart as an SVG data URI (weasyprint lays these out 2-3x faster than inline SVG)."""
    return "data:image/svg+xml;base64," + base64.b64encode(draw_svg(chart, theme)).decode("ascii")


def render_html(model: ReportModel, config: Any = None, *, view: ReportView | None = None) -> str:
    """The interactive, offline report: text and tables without JavaScript, charts with it.

    `view` is build_view(model) when the caller already has it (the PDF of the same run shares it).
    """
    theme = theme_for(config)
    view = build_view(model) if view is None else view
    figures = {c.id: plotly_draw.to_figure(c, theme) for c in view.charts}
    env = environment_for(config, theme)
    return env.get_template("report.html").render(
        view=view,
        theme=theme,
        mode="html",
        images={},
        page_size="A4",
        figures=figures,
        figures_json=Markup(plotly_draw.script_json(figures)),
        layout_json=Markup(plotly_draw.script_json(plotly_draw.base_layout(theme))),
        plotly_js_gzip=Markup(plotly_draw.plotly_js_gzip_base64()),
    )


def render_notebook_html(model: ReportModel, config: Any = None) -> str:
    """The report for a Jupyter cell (`_repr_html_`): summary and sections with static SVG charts, no scripts."""
    theme = theme_for(config)
    view = build_view(model)
    images = {c.id: svg_data_uri(c, theme) for c in view.charts}
    env = environment_for(config, theme)
    return env.get_template("notebook.html").render(
        view=view, theme=theme, mode="notebook", images=images, page_size="A4"
    )


def page_title(model: ReportModel) -> str:
    """'<title> - <analysis period>' (plain text, for PDF metadata and e-mail subjects)."""
    label = build_meta(model).period_label
    return f"{model.title} - {label}" if label else model.title


def render_channel(rendering: Rendering) -> bytes:
    """The html channel (reportgen.channels): the report page, sharing the save's view."""
    return render_html(rendering.model, rendering.config, view=rendering.view).encode("utf-8")
