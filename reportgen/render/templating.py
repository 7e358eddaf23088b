"""The Jinja environment, theme loading and template export.

Template lookup, first match wins (MkDocs' habit, so users can override any template by name):
  1. the user's folder (`output.templates` / `--templates DIR`),
  2. the theme's `templates/` folder, then its parent theme's, and so on,
  3. the built-in templates.
A theme is a folder holding `theme.yaml` (name, extends, palette, fonts, logo), an optional
`theme.css` written with CSS custom properties, and optional `templates/`. `output.theme` is a
theme name or the path of a theme folder / theme file.
"""

from __future__ import annotations

import base64
import functools
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from reportgen.errors import ConfigError
from reportgen.render.filters import FILTERS
from reportgen.render.print_tables import column_widths
from reportgen.resources import templates_dir, theme_names, themes_dir

if TYPE_CHECKING:
    from reportgen.config import Config

THEME_FILE = "theme.yaml"
LOGO_TYPES = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}


@dataclass(frozen=True)
class Theme:
    """A resolved theme: palette and fonts merged along the `extends` chain (child wins)."""

    name: str
    palette: dict[str, Any]
    fonts: dict[str, str]
    logo: str | None = None  # a data: URI, ready for <img src>
    css: tuple[str, ...] = ()  # parent first
    template_dirs: tuple[Path, ...] = ()  # child first
    chain: tuple[str, ...] = field(default=())

    def chart(self, key: str) -> Any:
        return self.palette["chart"][key]

    def status_color(self, status: str) -> str:
        return self.palette["status"].get(status, self.palette["status"]["none"])


def list_themes() -> list[str]:
    """Names of the installed themes."""
    return theme_names()


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _theme_folder(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    looks_like_path = "/" in name_or_path or "\\" in name_or_path or candidate.suffix in (".yaml", ".yml")
    if looks_like_path:
        folder = candidate.parent if candidate.suffix in (".yaml", ".yml") else candidate
        if not (folder / THEME_FILE).is_file():
            raise ConfigError(
                f"theme folder {folder} has no {THEME_FILE}; installed themes: {', '.join(list_themes())}",
                key="output.theme",
            )
        return folder
    folder = themes_dir() / name_or_path
    if not (folder / THEME_FILE).is_file():
        raise ConfigError(
            f"unknown theme '{name_or_path}'; installed themes: {', '.join(list_themes())}", key="output.theme"
        )
    return folder


def _read_theme_file(folder: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load((folder / THEME_FILE).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"cannot parse {folder / THEME_FILE}: {str(exc).splitlines()[0]}", key="output.theme"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{folder / THEME_FILE} must be a mapping with name, extends, palette, fonts, logo", key="output.theme"
        )
    return data


def logo_data_uri(path: str | Path) -> str:
    """A logo file as a data: URI (the report stays one self-contained file)."""
    p = Path(path)
    mime = LOGO_TYPES.get(p.suffix.lower())
    if mime is None:
        raise ConfigError(f"logo {p} must be one of {', '.join(sorted(LOGO_TYPES))}", key="output.logo")
    if not p.is_file():
        raise ConfigError(f"logo file {p} not found; check the path", key="output.logo")
    return f"data:{mime};base64," + base64.b64encode(p.read_bytes()).decode("ascii")


def load_theme(name_or_path: str = "default", logo: str | None = None) -> Theme:
    """Resolve a theme by name or path, following `extends` to the root; unknown -> ConfigError."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    seen: set[Path] = set()
    ref: str | None = name_or_path
    while ref:
        folder = _theme_folder(ref).resolve()
        if folder in seen:
            raise ConfigError(f"theme '{name_or_path}' extends itself in a loop", key="output.theme")
        seen.add(folder)
        data = _read_theme_file(folder)
        chain.append((folder, data))
        ref = data.get("extends")
    palette: dict[str, Any] = {}
    fonts: dict[str, str] = {}
    css: list[str] = []
    logo_uri: str | None = None
    for folder, data in reversed(chain):  # root first, child last: child wins
        palette = _deep_merge(palette, data.get("palette") or {})
        fonts = _deep_merge(fonts, data.get("fonts") or {})
        css_file = folder / "theme.css"
        if css_file.is_file():
            css.append(css_file.read_text(encoding="utf-8"))
        if data.get("logo"):
            logo_uri = logo_data_uri(folder / str(data["logo"]))
    if logo:
        logo_uri = logo_data_uri(logo)
    template_dirs = tuple(folder / "templates" for folder, _ in chain if (folder / "templates").is_dir())
    return Theme(
        name=str(chain[0][1].get("name") or chain[0][0].name),
        palette=palette,
        fonts=fonts,
        logo=logo_uri,
        css=tuple(css),
        template_dirs=template_dirs,
        chain=tuple(str(d.get("name") or f.name) for f, d in chain),
    )


def theme_for(config: Config | None) -> Theme:
    """The theme a Config asks for (`output.theme`, `output.logo`); default without a config."""
    if config is None:
        return load_theme("default")
    return load_theme(config.output.theme, logo=config.output.logo)


def make_environment(theme: Theme | None = None, user_templates: str | Path | None = None) -> jinja2.Environment:
    """Jinja environment: user folder > theme templates (child first) > built-ins; autoescape on."""
    search: list[str] = []
    if user_templates:
        folder = Path(user_templates)
        if not folder.is_dir():
            raise ConfigError(
                f"templates folder {folder} not found; export the defaults with 'reportgen templates export DIR'",
                key="output.templates",
            )
        search.append(str(folder))
    if theme is not None:
        search.extend(str(d) for d in theme.template_dirs)
    search.append(str(templates_dir()))
    return _environment(tuple(search))


@functools.lru_cache(maxsize=16)
def _environment(search: tuple[str, ...]) -> jinja2.Environment:
    """One environment per template search path, so each template compiles once per process.

    Jinja re-reads a template whose file changed (FileSystemLoader checks the mtime), so edits to
    user templates still show; nothing mutates the environment after this.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        # Every template is escaped except plain-text ones (.txt: the e-mail's text part, not HTML).
        autoescape=jinja2.select_autoescape(
            enabled_extensions=(), disabled_extensions=("txt",), default_for_string=True, default=True
        ),
        undefined=jinja2.ChainableUndefined,  # optional fields (card.unit, d.confidence) may be absent
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["print_columns"] = column_widths
    return env


def environment_for(config: Config | None, theme: Theme | None = None) -> jinja2.Environment:
    """The environment a Config asks for (`output.templates` and `output.theme`)."""
    theme = theme or theme_for(config)
    user = config.output.templates if config is not None else None
    return make_environment(theme, user)


def export_templates(dest: str | Path) -> list[Path]:
    """Copy the built-in templates into `dest` for editing; refuses to overwrite existing files."""
    dest = Path(dest)
    src = templates_dir()
    files = sorted(p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py")
    clashes = [dest / p.relative_to(src) for p in files if (dest / p.relative_to(src)).exists()]
    if clashes:
        raise ConfigError(f"{clashes[0]} already exists; export into an empty folder", key="templates export")
    written = []
    for p in files:
        target = dest / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, target)
        written.append(target)
    return written
