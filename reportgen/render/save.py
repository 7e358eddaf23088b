"""Write a Report's chosen formats into a folder, each file atomically, in reportgen.channels' order.

The channels of one save share a `Rendering`: the view (built once for the HTML and the PDF) and
the bytes of the channels written before (the e-mail attaches the PDF already rendered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.channels import CHANNELS
from reportgen.delivery.atomic import write_bytes_atomic
from reportgen.errors import ConfigError

if TYPE_CHECKING:
    from reportgen.render.view import ReportView
    from reportgen.report import ReportModel


@dataclass
class Rendering:
    """What the channels of one save share: the model and config, the view, the bytes written so far."""

    model: ReportModel
    config: Any
    written: dict[str, bytes] = field(default_factory=dict)

    @cached_property
    def view(self) -> ReportView:
        from reportgen.render.view import build_view

        return build_view(self.model)


def write_order(formats: tuple[str, ...]) -> list[str]:
    """The formats in writing order: each after the channels it follows, results.json last."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered or name not in formats:
            return
        for before in CHANNELS[name].after:
            visit(before)
        ordered.append(name)

    for name in sorted(formats, key=lambda f: CHANNELS[f].last):
        visit(name)
    return ordered


def save_report(model: ReportModel, config: Any, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write each format as out_dir/<its file name>; results.json last so it marks completion."""
    unknown = [f for f in formats if f not in CHANNELS]
    if unknown:
        raise ConfigError(
            f"unknown output format '{unknown[0]}'; accepted: {', '.join(CHANNELS)}", key="output.formats"
        )
    rendering = Rendering(model, config)
    written: dict[str, Path] = {}
    for name in write_order(formats):
        channel = CHANNELS[name]
        rendering.written[name] = channel.render(rendering)
        written[name] = write_bytes_atomic(out_dir / channel.file_name, rendering.written[name])
    return written
