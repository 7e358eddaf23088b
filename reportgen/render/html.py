"""ReportModel -> one self-contained HTML file (plotly.js inlined once), notebook HTML, e-mail bodies.

All markup comes from the Jinja templates (autoescaped); this module only prepares the context:
the view (reportgen.render.view), the theme, and the chart payloads (plotly JSON for the page,
SVG data URIs for the notebook and PDF, PNG parts for e-mail).
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Optional

from markupsafe import Markup

from reportgen.render import plotly_draw
from reportgen.render.charts import Chart, render_png, render_svg
from reportgen.render.templating import Theme, environment_for, theme_for
from reportgen.render.view import build_view
from reportgen.report import ReportModel

CSS_FORBIDDEN = str.maketrans({"<": "", ">": "", "{": "", "}": "", ";": "", "\\": ""})


def css_safe(value: Any) -> Markup:
    """Theme CSS / palette values written into <style>: never able to close the element."""
    text = str(value)
    if "\n" in text or "{" in text:  # a whole stylesheet: only neutralise '</'
        return Markup(text.replace("</", "<\\/"))
    return Markup(text.translate(CSS_FORBIDDEN))


def _environment(config: Any, theme: Theme) -> Any:
    env = environment_for(config, theme)
    env.filters["css_safe"] = css_safe
    return env


def svg_data_uri(chart: Chart, theme: Theme) -> str:
    """A chart as an SVG data URI (weasyprint lays these out 2-3x faster than inline SVG)."""
    return "data:image/svg+xml;base64," + base64.b64encode(render_svg(chart, theme)).decode("ascii")


def render_html(model: ReportModel, config: Any = None) -> str:
    """The interactive, offline report: text and tables without JavaScript, charts with it."""
    theme = theme_for(config)
    view = build_view(model)
    figures = {c.id: plotly_draw.to_figure(c, theme) for c in view["charts"]}
    env = _environment(config, theme)
    return env.get_template("report.html").render(
        view=view,
        theme=theme,
        mode="html",
        images={},
        page_size="A4",
        figures=figures,
        figures_json=Markup(plotly_draw.script_json(figures)),
        layout_json=Markup(plotly_draw.script_json(plotly_draw.base_layout(theme))),
        plotly_js=Markup(plotly_draw.plotly_js()),
    )


def render_notebook_html(model: ReportModel, config: Any = None) -> str:
    """The report for a Jupyter cell (`_repr_html_`): summary and sections with static SVG charts, no scripts."""
    theme = theme_for(config)
    view = build_view(model)
    images = {c.id: svg_data_uri(c, theme) for c in view["charts"]}
    env = _environment(config, theme)
    return env.get_template("notebook.html").render(view=view, theme=theme, mode="notebook", images=images, page_size="A4")


@dataclass
class EmailBodies:
    """The e-mail's HTML and text parts and the inline PNG images they reference by Content-ID."""

    html: str
    text: str
    images: list[tuple[str, bytes]]  # (content id without brackets, PNG bytes)


def email_charts(view: dict[str, Any], max_charts: int = 4) -> list[Chart]:
    """The charts an e-mail shows: alerting ones first (performance before drift), at most `max_charts`."""
    alerting = view["alert_charts"]
    return alerting[:max_charts]


def render_email_bodies(model: ReportModel, config: Any = None, *, max_charts: int = 4, domain: str = "reportgen") -> EmailBodies:
    """HTML + plain-text bodies (templates email/body.html, email/body.txt) and their inline PNG charts."""
    theme = theme_for(config)
    view = build_view(model)
    picked = email_charts(view, max_charts)
    items = [{"cid": f"{c.id}@{domain}", "chart": c, "width": 640} for c in picked]
    env = _environment(config, theme)
    ctx = {"view": view, "theme": theme, "charts": items, "mode": "email"}
    html = env.get_template("email/body.html").render(**ctx)
    text = env.get_template("email/body.txt").render(**ctx)
    images = [(item["cid"], render_png(item["chart"], theme)) for item in items]
    return EmailBodies(html=html, text=text, images=images)


def page_title(model: ReportModel) -> str:
    """'<title> - <analysis period>' (plain text, for PDF metadata and e-mail subjects)."""
    view_meta = build_view(model, charts=False)["meta"]
    return f"{model.title} - {view_meta['period_label']}" if view_meta["period_label"] else model.title


