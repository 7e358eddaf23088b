"""Write a Report's chosen formats into a folder as one set (README "Output set").

Every file is first written into a staging folder inside --out (reportgen.staging), so temporary
files never appear beside the reports and are removed on every exit path. results.json lists the
other files with their SHA-256 (`files`); the set then replaces the folder's earlier reportgen
files: results.json leaves first and arrives last (a reader never pairs it with half a set), and
reportgen files of an earlier run that this run did not write are removed. Files reportgen did not
write are never touched.

The formats are reportgen.channels' CHANNELS; the channels of one save share a `Rendering`: the
view (built once for the HTML and the PDF), the bytes written so far (the e-mail attaches the PDF
already rendered) and, for results.json, the list of the other files.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.channels import CHANNELS
from reportgen.delivery.atomic import write_bytes_atomic
from reportgen.errors import ConfigError, OutputError
from reportgen.staging import staging_folder

if TYPE_CHECKING:
    from reportgen.config import Config
    from reportgen.render.view import ReportView
    from reportgen.report import ReportModel

FILE_NAMES = {name: channel.file_name for name, channel in CHANNELS.items()}  # the built-in channels
RESULTS = FILE_NAMES["json"]


@dataclass
class Rendering:
    """What the channels of one save share: model and config, the view, the bytes written so far,
    and (for the channel written last, results.json) the other files with their SHA-256."""

    model: ReportModel
    config: Config | None
    written: dict[str, bytes] = field(default_factory=dict)
    files: list[dict[str, str]] = field(default_factory=list)

    @cached_property
    def view(self) -> ReportView:
        from reportgen.render.view import build_view

        return build_view(self.model)


def write_order(formats: tuple[str, ...]) -> list[str]:
    """The chosen formats in CHANNELS order, each after the channels it follows, results.json last."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered or name not in formats:
            return
        for before in CHANNELS[name].after:
            visit(before)
        ordered.append(name)

    for name in sorted(CHANNELS, key=lambda f: CHANNELS[f].last):
        visit(name)
    return ordered


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_report(model: ReportModel, config: Config | None, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write each format as out_dir/<its file name> as one set; returns {format: final path}."""
    unknown = [f for f in formats if f not in CHANNELS]
    if unknown:
        raise ConfigError(
            f"unknown output format '{unknown[0]}'; accepted: {', '.join(CHANNELS)}", key="output.formats"
        )
    chosen = write_order(formats)
    rendering = Rendering(model, config)
    with staging_folder(out_dir) as staging:
        for name in chosen:
            channel = CHANNELS[name]
            if channel.last:
                others = [CHANNELS[f].file_name for f in chosen if not CHANNELS[f].last]
                rendering.files = sorted(({"name": n, "sha256": sha256_of(staging / n)} for n in others), key=_name)
            rendering.written[name] = channel.render(rendering)
            write_bytes_atomic(staging / channel.file_name, rendering.written[name])
        publish(staging, out_dir, [CHANNELS[f].file_name for f in chosen])
    return {name: out_dir / CHANNELS[name].file_name for name in chosen}


def _name(entry: dict[str, str]) -> str:
    return entry["name"]


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
    names = {channel.file_name for channel in CHANNELS.values()}
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
