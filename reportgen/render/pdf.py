"""ReportModel -> PDF with weasyprint: static SVG charts as data URIs, paged header/footer, TOC.

The same templates as the HTML in `pdf` mode: no scripts, SVG charts from svg_draw (text kept as
text, so chart labels are extractable), `@page` header with the title and period, footer with
"page N of M", `output.page_size` A4 or Letter. Byte-stable for the same input.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from reportgen.render.html import svg_data_uri
from reportgen.render.templating import environment_for, theme_for
from reportgen.render.view import ReportView, build_view
from reportgen.report import ReportModel

if TYPE_CHECKING:
    from reportgen.render.save import Rendering


_STYLE = re.compile(r"(<style>)(.*?)(</style>)", re.S)
_CUSTOM_PROPERTY = re.compile(r"(?<![\w-])(--[\w-]+)\s*:\s*([^;{}]*?)\s*(?=;|})")
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*\)")


def inline_css_variables(css: str) -> str:
    """`var(--x)` replaced by the value of `--x` where the stylesheet declares it once, plainly.

    The PDF looks the same (weasyprint resolves the same values), but the cascade over every
    element is cheaper. Properties declared more than once (per-theme or per-selector overrides),
    values holding var() themselves, and var() with a fallback are left as they are.
    """
    declared = _CUSTOM_PROPERTY.findall(css)
    counts = Counter(name for name, _ in declared)
    values = {name: value for name, value in declared if counts[name] == 1 and value and "var(" not in value}
    return _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), css)


def render_pdf_html(model: ReportModel, config: Any = None, *, view: ReportView | None = None) -> str:
    """The HTML weasyprint lays out (useful for debugging the PDF's look in a browser); `view` as in render_html."""
    theme = theme_for(config)
    view = build_view(model) if view is None else view
    images = {c.id: svg_data_uri(c, theme) for c in view.charts}
    env = environment_for(config, theme)
    page_size = getattr(getattr(config, "output", None), "page_size", "A4") if config is not None else "A4"
    html = env.get_template("report.html").render(
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
    return _STYLE.sub(lambda m: m.group(1) + inline_css_variables(m.group(2)) + m.group(3), html, count=1)


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
