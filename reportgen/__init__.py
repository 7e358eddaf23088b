"""reportgen: one offline, print-ready, auditable monitoring report for an ML model (layers: ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Any

from reportgen.version import __version__

__all__ = ["__version__", "Monitor", "Report", "ReportgenError"]


def __getattr__(name: str) -> Any:
    # Lazy imports keep `reportgen --version` and `import reportgen` fast (no pandas/lightgbm).
    if name in ("Monitor", "Report"):
        from reportgen import monitor

        return getattr(monitor, name)
    if name == "ReportgenError":
        from reportgen.errors import ReportgenError

        return ReportgenError
    raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
