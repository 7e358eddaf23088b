"""Themes: inheritance, unknown names, WCAG AA contrast of every status badge and body text."""

from __future__ import annotations

import shutil

import pytest

from reportgen.errors import ConfigError
from reportgen.render.templating import list_themes, load_theme


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_on_known_pairs():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_installed_themes():
    assert {"default", "dark", "print"} <= set(list_themes())


@pytest.mark.parametrize("name", ["default", "dark", "print"])
def test_wcag_aa_contrast(name):
    t = load_theme(name)
    p = t.palette
    for fg in ("text", "muted", "link"):
        assert contrast(p[fg], p["background"]) >= 4.5, (name, fg)
        assert contrast(p[fg], p["surface"]) >= 4.5, (name, fg, "surface")
    for status, bg in p["status"].items():
        assert contrast(p["status_text"][status], bg) >= 4.5, (name, status)
        # status words in the TOC are drawn in the status colour on the page background
        assert contrast(bg, p["background"]) >= 4.5, (name, status, "as text")
    for status, soft in p["status_soft"].items():
        assert contrast(p["text"], soft) >= 4.5, (name, status, "banner")


def test_dark_inherits_default():
    dark, default = load_theme("dark"), load_theme("default")
    assert dark.chain == ("dark", "default")
    assert dark.fonts["body"] == default.fonts["body"]  # not overridden: inherited
    assert dark.palette["background"] != default.palette["background"]
    assert len(dark.css) == 2 and dark.css[0] == default.css[0]


def test_unknown_theme_lists_installed():
    with pytest.raises(ConfigError) as err:
        load_theme("neon")
    assert "neon" in str(err.value) and "default" in str(err.value) and "dark" in str(err.value)


def test_theme_from_path_extending_builtin(tmp_path):
    folder = tmp_path / "corporate"
    folder.mkdir()
    (folder / "theme.yaml").write_text(
        "name: corporate\nextends: default\npalette:\n  accent: '#123456'\n", encoding="utf-8"
    )
    shutil.copyfile(__file__, folder / "ignored.py")
    t = load_theme(str(folder))
    assert t.name == "corporate" and t.palette["accent"] == "#123456"
    assert t.palette["status"]["alert"] == load_theme("default").palette["status"]["alert"]


def test_environment_shared_per_search_path_and_template_edits_still_show(tmp_path):
    """Templates compile once per process (one environment per search path); an edited file is re-read."""
    import os

    from reportgen.render.templating import make_environment

    folder = tmp_path / "mine"
    folder.mkdir()
    page = folder / "page.html"
    page.write_text("one {{ x }}", encoding="utf-8")
    env = make_environment(load_theme(), folder)
    assert make_environment(load_theme(), folder) is env
    assert make_environment(load_theme(), None) is not env  # another search path, another environment
    assert env.get_template("page.html").render(x="<b>") == "one &lt;b&gt;"
    page.write_text("two {{ x }}", encoding="utf-8")
    os.utime(page, (1, 2_000_000_000))  # a later mtime, as an editor's save
    assert make_environment(load_theme(), folder).get_template("page.html").render(x=1) == "two 1"
