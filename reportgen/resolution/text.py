"""Plain-language helpers: numbers formatted for humans, metric names, direction words, spans.

Only the resolution's sentences use these; templates format numbers with their own Jinja filters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from reportgen import spec

NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)

PERIOD_UNITS = {
    "D": ("day", "days"),
    "W": ("week", "weeks"),
    "M": ("month", "months"),
    "Q": ("quarter", "quarters"),
    "Y": ("year", "years"),
}


def metric_label(metric: str) -> str:
    """The name a reader knows: 'ROC AUC', 'MAE', 'F1'."""
    return spec.metric(metric).prose


def higher_is_better(metric: str) -> bool:
    """Scores (ROC AUC, F1, business value) improve upwards; errors and wrong counts improve downwards."""
    return not spec.metric(metric).lower_is_better


def direction_word(change: float | None, metric: str, *, tolerance: float = 0.0) -> str:
    """'worse', 'better' or 'unchanged' for a change of a metric, whatever its direction."""
    if change is None or not math.isfinite(change) or abs(change) <= tolerance:
        return "unchanged"
    good = change > 0 if higher_is_better(metric) else change < 0
    return "better" if good else "worse"


def movement_verb(change: float) -> str:
    """'fell' or 'rose': the literal movement, paired with a metric name the reader knows."""
    return "rose" if change > 0 else "fell"


def fmt_value(value: float | None) -> str:
    """0.873, 12.4, 1,234 — three significant digits for small numbers, separators for big ones."""
    if value is None or not math.isfinite(value):
        return "n/a"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a == 0:
        return "0"
    if a >= 1:
        return f"{value:.2f}"
    digits = max(3, 2 - int(math.floor(math.log10(a))))
    text = f"{value:.{min(digits, 6)}f}"
    return text


def round_significant(value: float, digits: int = 2) -> float:
    """41,237 -> 41,000: money said aloud keeps two significant digits."""
    if value == 0 or not math.isfinite(value):
        return value
    exponent = int(math.floor(math.log10(abs(value))))
    factor = 10 ** (exponent - digits + 1)
    return round(value / factor) * factor


def fmt_money(value: float | None, currency: str = "EUR", *, rounded: bool = True) -> str:
    """'EUR 41,000' (rounded to two significant digits when large) or 'EUR 350'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    v = round_significant(value, 2) if rounded and abs(value) >= 1000 else value
    if rounded and abs(v) >= 1_000_000:
        return f"{currency} {v / 1_000_000:,.1f} million".replace(".0 million", " million")
    return f"{currency} {v:,.0f}"


def fmt_percent(relative: float | None) -> str:
    """-0.084 -> '-8.4%', 0.12 -> '+12%'; one decimal below 10%."""
    if relative is None or not math.isfinite(relative):
        return "n/a"
    pct = relative * 100
    text = f"{pct:+.1f}%" if abs(pct) < 10 else f"{pct:+.0f}%"
    return text


def number_word(n: int) -> str:
    """'three' for 3, '14' for 14."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def join_names(names: Sequence[str], limit: int = 3) -> str:
    """'a', 'a and b', 'a, b and c', 'a, b, c and 2 more'."""
    names = list(names)
    if not names:
        return ""
    if len(names) > limit:
        rest = len(names) - limit
        return f"{', '.join(names[:limit])} and {rest} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def unit_words(period: str | None) -> tuple[str, str]:
    """('week', 'weeks') for weekly chunking, ('chunk', 'chunks') otherwise."""
    return PERIOD_UNITS.get(period or "", ("chunk", "chunks"))


def span_text(span_keys: Sequence[str], n_analysis: int, ends_at_last: bool, period: str | None) -> str:
    """'over the last three weeks', 'in chunk 2024-03', 'in the four chunks from A to B'."""
    one, many = unit_words(period)
    n = len(span_keys)
    if n == 0:
        return ""
    if n == n_analysis and n > 1:
        return f"over all {number_word(n)} {many} analysed"
    if ends_at_last:
        return f"over the last {one}" if n == 1 else f"over the last {number_word(n)} {many}"
    if n == 1:
        return f"in {one} {span_keys[0]}"
    return f"in the {number_word(n)} {many} from {span_keys[0]} to {span_keys[-1]}"


def sentence_case(text: str) -> str:
    """Capitalise the first letter only (metric names like 'ROC AUC' keep their case)."""
    return text[:1].upper() + text[1:] if text else text


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 feature', '3 features'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def unique(items: Iterable[str]) -> list[str]:
    """Order-preserving de-duplication."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
