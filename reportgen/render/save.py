"""Write a Report's chosen formats into a folder as one set (DESIGN.md "Output set").

Every file is first written into a staging folder inside --out (reportgen.staging), so temporary
files never appear beside the reports and are removed on every exit path. results.json lists the
other files with their SHA-256 (`files`); the set then replaces the folder's earlier reportgen
files: results.json leaves first and arrives last (a reader never pairs it with half a set), and
reportgen files of an earlier run that this run did not write are removed. Files reportgen did not
write are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.atomic import write_bytes_atomic, write_text_atomic
from reportgen.errors import ConfigError, OutputError
from reportgen.staging import staging_folder

if TYPE_CHECKING:
    from reportgen.monitor import Report
    from reportgen.render.view import ReportView

FILE_NAMES = {"html": "report.html", "pdf": "report.pdf", "json": "results.json", "email": "report.eml"}
RESULTS = FILE_NAMES["json"]


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


WRITERS: dict[str, Callable[[Report, Path], None]] = {"html": _html, "pdf": _pdf, "email": _email}


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_report(report: Report, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write each format as out_dir/<FILE_NAMES[format]> as one set; returns {format: final path}."""
    unknown = [f for f in formats if f not in FILE_NAMES]
    if unknown:
        raise ConfigError(
            f"unknown output format '{unknown[0]}'; accepted: {', '.join(FILE_NAMES)}", key="output.formats"
        )
    chosen = [f for f in ("html", "pdf", "email", "json") if f in formats]  # e-mail after the PDF it attaches
    with staging_folder(out_dir) as staging:
        for fmt in chosen:
            if fmt != "json":
                WRITERS[fmt](report, staging / FILE_NAMES[fmt])
        listed = [{"name": FILE_NAMES[f], "sha256": sha256_of(staging / FILE_NAMES[f])} for f in chosen if f != "json"]
        listed.sort(key=lambda entry: entry["name"])
        if "json" in chosen:
            write_text_atomic(staging / RESULTS, report.model.to_results_json(files=listed))
        publish(staging, out_dir, [FILE_NAMES[f] for f in chosen])
    return {fmt: out_dir / FILE_NAMES[fmt] for fmt in chosen}


def publish(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Move the staged files into out_dir and remove the earlier run's reportgen files not among them."""
    earlier = reportgen_files(out_dir)
    try:
        if (out_dir / RESULTS).exists():
            os.unlink(out_dir / RESULTS)  # the earlier set is no longer described: no mixed set looks whole
        for name in names:
            if name != RESULTS:
                os.replace(staging / name, out_dir / name)
        for name in sorted(earlier - set(names)):
            if (out_dir / name).is_file():
                os.unlink(out_dir / name)
        if RESULTS in names:
            os.replace(staging / RESULTS, out_dir / RESULTS)  # last: marks the set complete
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot replace the report files ({exc.strerror}); check the folder's permissions and free space"
        ) from None


def reportgen_files(out_dir: Path) -> set[str]:
    """Names in out_dir that a reportgen run writes: the known report names and the earlier results.json's list."""
    names = set(FILE_NAMES.values())
    listed = listed_files(out_dir / RESULTS)
    names.update(entry["name"] for entry in listed or [] if _plain_name(entry.get("name")))
    return {name for name in names if (out_dir / name).is_file()}


def listed_files(results_path: Path) -> list[dict[str, Any]] | None:
    """The `files` list of a results.json, or None when the file is absent, unreadable or has none."""
    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        return None
    return [entry for entry in files if isinstance(entry, dict)]


def _plain_name(name: Any) -> bool:
    """A bare file name (no folder part): the only names a results.json may make reportgen delete."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name


def verified_files(report_dir: Path) -> set[str] | None:
    """Names the folder's results.json lists whose bytes still match their SHA-256.

    None when results.json lists no files (written before reportgen listed them); OutputError when
    a listed file is missing or changed, so nothing from a mixed or edited set is sent.
    """
    listed = listed_files(report_dir / RESULTS)
    if listed is None:
        return None
    names: set[str] = set()
    for entry in listed:
        name = entry.get("name")
        if not _plain_name(name):
            raise OutputError(f"{report_dir / RESULTS}: lists {name!r}, not a file name; run the report again")
        path = report_dir / str(name)
        if not path.is_file():
            raise OutputError(
                f"{path}: listed in results.json but missing; run the report again into {report_dir} before sending"
            )
        if sha256_of(path) != entry.get("sha256"):
            raise OutputError(
                f"{path}: changed since the run wrote it (SHA-256 differs from results.json's files list); "
                "run the report again rather than send a mixed set"
            )
        names.add(str(name))
    return names
