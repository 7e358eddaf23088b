"""Column widths for the PDF's tables, estimated from their text, so weasyprint can lay them out fixed.

weasyprint's automatic table layout measures every cell twice (narrowest and widest line) before it
lays the cell out, and the narrowest measure lays the text out once per word. The PDF knows each
cell's text, so it estimates the same widths itself, as CSS 2.1's automatic layout would choose them
(every column at its widest content where the table fits, otherwise its narrowest plus a share of
the rest in proportion to what it lacks), and hands them to weasyprint as percentages for
`table-layout: fixed`. https://www.w3.org/TR/CSS21/tables.html#auto-table-layout
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportgen.render import filters as fmt
from reportgen.render.charts import Table

TEXT_COLUMN_PT = 500.0  # A4's text column less a diagnosis box's border and padding
TABLE_FONT_PT = 7.5  # table.data in print (themes/default/theme.css)
BADGE_FONT_PT = 9.4  # .badge: 12.5px
EM = 0.6  # average DejaVu Sans advance per font size (digits 0.636, lower case ~0.57)
BOLD = 1.08  # header cells are bold
CELL_PAD_PT = 9.0  # 4pt padding each side and the border
BADGE_PAD_PT = 14.0  # 9px each side


@dataclass(frozen=True)
class PrintColumns:
    """The table's width in percent of the text column, and each column's share of it in percent."""

    table: float
    columns: list[float]


def _range(value: Any) -> str:
    lo, hi = value
    return fmt.num(lo, 4) if lo == hi else f"{fmt.num(lo, 4)} to {fmt.num(hi, 4)}"


FORMATTERS: dict[str, Callable[[Any, str], str]] = {
    "num": lambda v, _: fmt.num(v),
    "pct": lambda v, _: fmt.pct(v),
    "money": lambda v, currency: fmt.money(v, currency),
    "integer": lambda v, _: fmt.integer(v),
    "range": lambda v, _: _range(v),
    "status": lambda v, _: f"{fmt.status_icon(v)} {fmt.status_word(v)}",
}


def _cell(value: Any, kind: str, currency: str) -> tuple[float, float]:
    """(narrowest, widest) width of a cell's content in points, as macros.cell writes it."""
    if value is None:
        return 0.0, TABLE_FONT_PT * EM
    if kind == "status":
        width = len(FORMATTERS[kind](value, currency)) * BADGE_FONT_PT * EM * BOLD + BADGE_PAD_PT
        return width, width  # a badge never wraps
    if kind in FORMATTERS:
        width = len(FORMATTERS[kind](value, currency)) * TABLE_FONT_PT * EM
        return width, width  # numbers never wrap (td.n)
    text = str(value)
    longest = max((len(word) for word in text.split()), default=0)
    return longest * TABLE_FONT_PT * EM, len(text) * TABLE_FONT_PT * EM


def column_widths(table: Table) -> PrintColumns:
    """Widths for `table-layout: fixed` that match what the automatic layout would pick, within a few points."""
    n = len(table.columns)
    narrow = [max((len(w) for w in str(c).split()), default=0) * TABLE_FONT_PT * EM * BOLD for c in table.columns]
    wide = [len(str(c)) * TABLE_FONT_PT * EM * BOLD for c in table.columns]
    for row in table.rows:
        for j, value in enumerate(row[:n]):
            lo, hi = _cell(value, table.formats[j], table.currency)
            narrow[j], wide[j] = max(narrow[j], lo), max(wide[j], hi)
    narrow = [w + CELL_PAD_PT for w in narrow]
    wide = [w + CELL_PAD_PT for w in wide]
    if sum(wide) <= TEXT_COLUMN_PT:
        widths = wide
    else:
        spare, lacking = TEXT_COLUMN_PT - sum(narrow), sum(wide) - sum(narrow)
        widths = narrow if spare <= 0 else [lo + spare * (hi - lo) / lacking for lo, hi in zip(narrow, wide)]
    total = sum(widths) or 1.0
    return PrintColumns(
        table=round(min(100.0, 100.0 * total / TEXT_COLUMN_PT), 2),
        columns=[round(100.0 * w / total, 2) for w in widths],
    )
