"""Where the shipped templates, themes and samples live: inside the wheel, or beside the package in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def templates_dir() -> Path:
    """The built-in Jinja templates."""
    return _shipped("templates")


def themes_dir() -> Path:
    """The built-in themes, one folder each."""
    return _shipped("themes")


def samples_dir() -> Path:
    """The sample-data package (generator and committed sample copies)."""
    return _shipped("samples")


def theme_names() -> list[str]:
    """Names of the installed themes (folders holding a theme file)."""
    root = themes_dir()
    if not root.is_dir():
        return ["default", "dark", "print"]
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    return names or ["default", "dark", "print"]
