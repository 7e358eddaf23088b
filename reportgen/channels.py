"""The output channels: one line each (name, file name, renderer), read by config validation and save.

A renderer is named "module:function" and imported only when its channel is written, so this list
depends on nothing (config validation reads it without importing any renderer). The function takes
the `reportgen.render.save.Rendering` of one save and returns the file's bytes. Adding a channel is
its module plus one line here; see ARCHITECTURE.md ("Where do I add an output channel").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Channel:
    """One output format: its file name, its renderer, and which channels it must follow."""

    name: str
    file_name: str
    renderer: str  # "module:function"
    after: tuple[str, ...] = ()  # rendered before this one when both are chosen (their bytes are passed on)
    last: bool = False  # written after every other channel (results.json marks completion)

    def render(self, rendering: Any) -> bytes:
        module, function = self.renderer.split(":")
        return bytes(getattr(importlib.import_module(module), function)(rendering))


CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    """Add a channel (a name already registered is replaced)."""
    CHANNELS[channel.name] = channel
    return channel


register(Channel("html", "report.html", "reportgen.render.html:render_channel"))
register(Channel("pdf", "report.pdf", "reportgen.render.pdf:render_channel"))
register(Channel("json", "results.json", "reportgen.report:render_channel", last=True))
register(Channel("email", "report.eml", "reportgen.render.email:render_channel", after=("pdf",)))
