"""ReportModel -> PDF with weasyprint: static SVG charts as data URIs, paged header/footer, TOC.

The same templates as the HTML in `pdf` mode: no scripts, SVG charts from svg_draw (text kept as
text, so chart labels are extractable), `@page` header with the title and period, footer with
"page N of M", `output.page_size` A4 or Letter. Byte-stable for the same input.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from reportgen.render.html import svg_data_uri
from reportgen.render.templating import environment_for, theme_for
from reportgen.render.view import ReportView, build_view
from reportgen.report import ReportModel

if TYPE_CHECKING:
    from reportgen.render.save import Rendering


def render_pdf_html(model: ReportModel, config: Any = None, *, view: ReportView | None = None) -> str:
    """The HTML weasyprint lays out (useful for debugging the PDF's look in a browser); `view` as in render_html."""
    theme = theme_for(config)
    view = build_view(model) if view is None else view
    images = {c.id: svg_data_uri(c, theme) for c in view.charts}
    env = environment_for(config, theme)
    page_size = getattr(getattr(config, "output", None), "page_size", "A4") if config is not None else "A4"
    return env.get_template("report.html").render(
        view=view,
        theme=theme,
        mode="pdf",
        images=images,
        page_size=page_size,
        figures={},
        figures_json="",
        layout_json="",
        plotly_js_gzip="",
    )


def render_pdf(model: ReportModel, config: Any = None, *, view: ReportView | None = None) -> bytes:
    """The PDF bytes; `view` as in render_html."""
    import weasyprint

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    html = render_pdf_html(model, config, view=view)
    document = weasyprint.HTML(string=html, base_url=None).render()
    document.metadata.title = model.title
    document.metadata.authors = []
    document.metadata.created = None
    document.metadata.modified = None
    document.metadata.generator = "reportgen"
    return document.write_pdf()


def render_channel(rendering: Rendering) -> bytes:
    """The pdf channel (reportgen.channels), sharing the save's view with the HTML."""
    return render_pdf(rendering.model, rendering.config, view=rendering.view)
