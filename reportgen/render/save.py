"""Write a Report's chosen formats into a folder, each file atomically."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.atomic import write_bytes_atomic, write_text_atomic
from reportgen.errors import ConfigError

if TYPE_CHECKING:
    from reportgen.monitor import Report
    from reportgen.render.view import ReportView

FILE_NAMES = {"html": "report.html", "pdf": "report.pdf", "json": "results.json", "email": "report.eml"}


def _json(report: Report, path: Path) -> None:
    write_text_atomic(path, report.model.to_results_json())


_VIEWS: weakref.WeakKeyDictionary[Report, ReportView] = weakref.WeakKeyDictionary()


def _view(report: Report) -> ReportView:
    """build_view(report.model) once per report: the HTML and the PDF lay out the same view."""
    from reportgen.render.view import build_view

    if report not in _VIEWS:
        _VIEWS[report] = build_view(report.model)
    return _VIEWS[report]


def _html(report: Report, path: Path) -> None:
    from reportgen.render.html import render_html

    write_text_atomic(path, render_html(report.model, report.config, view=_view(report)))


def _pdf(report: Report, path: Path) -> None:
    from reportgen.render.pdf import render_pdf

    data = render_pdf(report.model, report.config, view=_view(report))
    report._pdf_bytes = data  # the e-mail attaches these bytes instead of rendering the PDF twice
    write_bytes_atomic(path, data)


def _email(report: Report, path: Path) -> None:
    from reportgen.render.email import render_email

    pdf = getattr(report, "_pdf_bytes", None)  # attached when the pdf format is written too
    write_bytes_atomic(
        path, bytes(render_email(report.model, report.config, pdf_bytes=pdf, attach_pdf=pdf is not None))
    )


WRITERS: dict[str, Callable[[Report, Path], None]] = {"json": _json, "html": _html, "pdf": _pdf, "email": _email}


def save_report(report: Report, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write each format as out_dir/<FILE_NAMES[format]>; results.json last so it marks completion."""
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise ConfigError(f"unknown output format '{unknown[0]}'; accepted: {', '.join(WRITERS)}", key="output.formats")
    written: dict[str, Path] = {}
    for fmt in sorted(formats, key=lambda f: (f == "json", f == "email")):  # e-mail after the PDF it attaches
        path = out_dir / FILE_NAMES[fmt]
        WRITERS[fmt](report, path)
        written[fmt] = path
    return written
