"""Number, date and label formatting: the only place numbers become text (Jinja filters + chart titles).

Formatting lives here, never in templates' arithmetic or in Python-built HTML, so the HTML, PDF,
e-mail and chart titles all say a number the same way (0.873, 12.4%, EUR 41,000).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from reportgen import spec
from reportgen.drift.methods import UNIVARIATE_METHODS

STATUS_WORDS = {
    "ok": "OK",
    "info": "Info",
    "warning": "Warning",
    "alert": "Alert",
    "no_data": "No data",
    "none": "No data",
}
STATUS_ICONS = {
    "ok": "\u2713",
    "info": "\u2139",
    "warning": "\u26a0",
    "alert": "\u2716",
    "no_data": "\u2013",
    "none": "\u2013",
}

PROBLEM_LABELS = {
    "binary_classification": "Binary classification",
    "multiclass_classification": "Multiclass classification",
    "regression": "Regression",
}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def num(value: Any, digits: int = 3) -> str:
    """A number with `digits` significant digits (0.873, 12.4, 41,000); en dash when missing."""
    if _missing(value):
        return "\u2013"
    v = float(value)
    if v == 0:
        return "0"
    if math.isinf(v):  # e.g. a feature constant in the reference that varies later: infinitely unusual
        return "\u221e" if v > 0 else "\u2212\u221e"
    magnitude = math.floor(math.log10(abs(v)))
    if magnitude >= digits - 1:
        return f"{v:,.0f}"
    decimals = max(0, digits - 1 - magnitude)
    decimals = min(decimals, 6)
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def integer(value: Any) -> str:
    """A whole number with thousands separators (12,400)."""
    if _missing(value):
        return "\u2013"
    if math.isinf(float(value)):
        return num(value)
    return f"{int(round(float(value))):,}"


def pct(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage (0.124 -> 12.4%)."""
    if _missing(value):
        return "\u2013"
    return f"{float(value) * 100:.{digits}f}%"


def money(value: Any, currency: str = "EUR") -> str:
    """An amount of money, whole units, sign first (EUR 41,000; -EUR 2,300)."""
    if _missing(value):
        return "\u2013"
    v = float(value)
    sign = "-" if v < 0 else ""
    return f"{sign}{currency} {abs(v):,.0f}"


def signed(value: Any, digits: int = 3) -> str:
    """A change with its sign (+0.012, -0.080)."""
    if _missing(value):
        return "\u2013"
    v = float(value)
    return ("+" if v > 0 else "") + num(v, digits)


def date(value: Any) -> str:
    """ISO 8601 time -> '2024-03-04' (or '2024-03-04 13:00' when not midnight)."""
    if value is None or value == "":
        return "\u2013"
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if (t.hour, t.minute, t.second) == (0, 0, 0):
        return t.strftime("%Y-%m-%d")
    return t.strftime("%Y-%m-%d %H:%M")


def datetime_utc(value: Any) -> str:
    """ISO 8601 time -> '2024-03-04 13:05 UTC'."""
    if not value:
        return "\u2013"
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return t.strftime("%Y-%m-%d %H:%M UTC")


def metric_label(name: str | None) -> str:
    """Human name of a metric (roc_auc -> ROC AUC)."""
    if not name:
        return ""
    return spec.metric(name).label


def method_label(name: str | None) -> str:
    """Human name of a method (kolmogorov_smirnov -> Kolmogorov-Smirnov): a univariate drift method's
    from its module (the registry), the others' from spec.METHOD_LABELS."""
    if not name:
        return ""
    if name in UNIVARIATE_METHODS:
        return UNIVARIATE_METHODS.get(name).short_label()
    return spec.METHOD_LABELS.get(name, name.replace("_", " ").capitalize())


def step_label(name: str | None) -> str:
    """Human name of a step (univariate_drift -> Univariate drift)."""
    if not name:
        return ""
    return name.replace("_", " ").capitalize()


def problem_label(name: str | None) -> str:
    return PROBLEM_LABELS.get(name or "", (name or "").replace("_", " "))


def status_word(status: str | None) -> str:
    return STATUS_WORDS.get(status or "none", str(status).capitalize())


def status_icon(status: str | None) -> str:
    return STATUS_ICONS.get(status or "none", "\u2022")


def metric_value(value: Any, metric: str | None, currency: str = "EUR") -> str:
    """A metric's value in its own unit: money for business value, % for rates, else 3 digits."""
    unit = spec.metric(metric).unit if metric else "number"
    if unit == "currency":
        return money(value, currency)
    if metric == "rate":
        return pct(value)
    if unit == "count":
        return integer(value)
    return num(value)


def change_word(metric: str | None, before: Any, after: Any) -> str:
    """'better', 'worse' or 'unchanged' for a metric's change, honouring its direction."""
    if _missing(before) or _missing(after):
        return "unknown"
    delta = float(after) - float(before)
    if abs(delta) <= 1e-12 * max(1.0, abs(float(before))):
        return "unchanged"
    worse = delta > 0 if metric and spec.metric(metric).lower_is_better else delta < 0
    return "worse" if worse else "better"


def sortkey(value: Any) -> str:
    """A table cell's data-sort value: numbers to 6 significant digits (short and still ordered)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{float(value):.6g}"


def plural(count: Any, word: str, many: str | None = None) -> str:
    """'1 feature', '3 features'."""
    n = int(count)
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


CSS_FORBIDDEN = str.maketrans({"<": "", ">": "", "{": "", "}": "", ";": "", "\\": ""})


def css_safe(value: Any) -> Any:
    """Theme CSS / palette values written into <style> or style="": never able to close the element."""
    from markupsafe import Markup

    text = str(value)
    if "\n" in text or "{" in text:  # a whole stylesheet: only neutralise '</'
        return Markup(text.replace("</", "<\\/"))
    return Markup(text.translate(CSS_FORBIDDEN).replace('"', "'"))


def scope_css(css: str, scope: str = ".reportgen-notebook") -> Any:
    """Prefix every selector with `scope` (html/body/:root become the scope): a notebook cell must not restyle the page."""
    from markupsafe import Markup

    out, i, n = [], 0, len(css)
    while i < n:
        brace = css.find("{", i)
        if brace < 0:
            out.append(css[i:])
            break
        head = css[i:brace]
        depth, j = 1, brace + 1
        while j < n and depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        body = css[brace + 1 : j - 1]
        stripped = head.strip()
        if stripped.startswith("@media") or stripped.startswith("@supports"):
            out.append(head + "{" + str(scope_css(body, scope)) + "}")
        elif stripped.startswith("@"):
            continue_ = head + "{" + body + "}"
            out.append(continue_ if not stripped.startswith("@page") else "")
        else:
            comment_free = head
            while "/*" in comment_free:
                a = comment_free.index("/*")
                b = comment_free.find("*/", a)
                comment_free = comment_free[:a] + comment_free[b + 2 :] if b >= 0 else comment_free[:a]
            sels = []
            for sel in comment_free.split(","):
                sel = sel.strip()
                if not sel:
                    continue
                for root in ("html", "body", ":root"):
                    if sel == root or sel.startswith(root + " ") or sel.startswith(root + "."):
                        sel = scope + sel[len(root) :]
                        break
                else:
                    sel = sel if sel.startswith(scope) else f"{scope} {sel}"
                sels.append(sel)
            out.append("\n" + ", ".join(sels) + " {" + body + "}")
        i = j
    return Markup("".join(out).replace("</", "<\\/"))


FILTERS = {
    "scope_css": scope_css,
    "css_safe": css_safe,
    "num": num,
    "integer": integer,
    "pct": pct,
    "money": money,
    "signed": signed,
    "date": date,
    "datetime_utc": datetime_utc,
    "metric_label": metric_label,
    "method_label": method_label,
    "step_label": step_label,
    "problem_label": problem_label,
    "status_word": status_word,
    "status_icon": status_icon,
    "metric_value": metric_value,
    "change_word": change_word,
    "plural": plural,
    "sortkey": sortkey,
}
