"""What every section builder shares: the indexed results, the build context and the section view types.

A section module reads a `Context` (and, when it declares them in NEEDS, the views of the sections
it depends on) and returns a `SectionView`; see ARCHITECTURE.md ("Where do I add a section").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reportgen import spec
from reportgen.render import charts as ch
from reportgen.report import ReportModel
from reportgen.sample_size import undersized

SEVERITY_ORDER = {"alert": 0, "warning": 1, "info": 2, "ok": 3, "none": 4}
OUTPUT_ROLES = {"prediction": "prediction", "probability": "predicted probability", "target": "target"}
Key = tuple[str, str, str, str]


def slug(*parts: Any) -> str:
    """A stable, HTML-id-safe anchor from parts (user strings are hex-encoded where unsafe)."""
    out = []
    for p in parts:
        s = str(p)
        out.append("".join(c if c.isascii() and (c.isalnum() or c in "_-") else f"x{ord(c):x}" for c in s))
    return "-".join(out)


class Index:
    """Results grouped once by (step, method, metric, column) for fast lookups."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        keyed = frame.assign(_m=frame["method"].fillna(""), _c=frame["column"].fillna(""))
        self.groups: dict[Key, pd.DataFrame] = (
            {
                k: g.sort_values("chunk_index", kind="stable")
                for k, g in keyed.groupby(["step", "_m", "metric", "_c"], sort=True)
            }
            if len(frame)
            else {}
        )

    def get(self, step: str, method: str | None, metric: str, column: str | None = None) -> pd.DataFrame | None:
        return self.groups.get((step, method or "", metric, column or ""))

    def series(self, step: str, method: str | None, metric: str, column: str | None = None) -> pd.DataFrame:
        """Like get, for a key known to exist (taken from keys())."""
        found = self.get(step, method, metric, column)
        if found is None:
            raise KeyError((step, method, metric, column))
        return found

    def keys(self, step: str) -> list[Key]:
        return [k for k in self.groups if k[0] == step]

    def step(self, step: str) -> pd.DataFrame:
        return self.frame[self.frame["step"] == step]


@dataclass(frozen=True)
class Context:
    """The inputs every section builder reads."""

    model: ReportModel
    idx: Index
    currency: str
    charts: bool  # False: the view for the e-mail subject / history (no chart objects)

    @property
    def chunks(self) -> list[dict[str, Any]]:
        return self.model.chunks

    def key(self, index: Any) -> str:
        """The chunk key ('2024-03') of a chunk index."""
        for c in self.model.chunks:
            if int(c["index"]) == int(index):
                return str(c["key"])
        return str(index)


@dataclass
class Card:
    """One summary card: a number, its status and a line of context."""

    title: str
    metric: str | None
    value: Any
    status: str
    anchor: str
    detail: str
    unit: str = ""
    reference: float | None = None


@dataclass
class SectionView:
    """One report section as the templates show it; `available` False carries the reason instead."""

    available: bool = True
    finding: str = ""
    charts: list[ch.Chart] = field(default_factory=list)
    reason: str = ""
    status_guess: str = "ok"  # the section's own reading when the resolution gives no status
    id: str = ""
    title: str = ""
    status: str | None = None
    partial: str = ""


@dataclass
class TableSection(SectionView):
    """A section with one table below its charts."""

    table: ch.Table | None = None


def unavailable(reason: str) -> SectionView:
    return SectionView(available=False, reason=reason, finding=reason)


def alert_count(frame: pd.DataFrame) -> int:
    """Alerting analysis records of a series."""
    return int(frame[frame["period"] == "analysis"]["alert"].fillna(False).astype(bool).sum())


def last_and_ref(frame: pd.DataFrame) -> tuple[float, float, pd.Series]:
    """(last judged analysis value, reference mean, last analysis row) of one series.

    A chunk below its method's minimum rows (reportgen.sample_size) is not the "last chunk" a reader
    compares with the reference, unless no chunk was judged.
    """
    ana = frame[frame["period"] == "analysis"]
    ref = frame[frame["period"] == "reference"]
    ana_valid = ana[ana["value"].notna() & ~undersized(ana)]
    if not len(ana_valid):
        ana_valid = ana[ana["value"].notna()]
    last = ana_valid.iloc[-1] if len(ana_valid) else (ana.iloc[-1] if len(ana) else frame.iloc[-1])
    return float(last["value"]), float(ref["value"].mean()) if len(ref) else float("nan"), last


def primary_metric(idx: Index, step: str = "estimated_performance") -> tuple[str, str] | None:
    """(method, metric) of the step's headline metric (reportgen.spec's primary order)."""
    keys = [k for k in idx.keys(step) if k[3] == ""]
    if not keys:
        return None
    by_metric = {k[2]: k[1] for k in keys}
    for m in spec.primary_metrics():
        if m in by_metric:
            return by_metric[m], m
    first = keys[0]
    return first[1], first[2]


def business_frames(idx: Index, metric: str = "business_value") -> list[tuple[str, pd.DataFrame]]:
    """[(estimated | realized, series)] of the business value, estimated first."""
    out = []
    for method in ("cbpe", "dle", "realized"):
        f = idx.get("business_value", method, metric)
        if f is not None and f["value"].notna().any():
            out.append(("realized" if method == "realized" else "estimated", f))
    return out


def sorted_diagnoses(model: ReportModel) -> list[dict[str, Any]]:
    """Diagnoses by severity, then value at stake, then the resolution's order."""
    order = sorted(
        range(len(model.diagnoses)),
        key=lambda i: (
            SEVERITY_ORDER.get(model.diagnoses[i].get("severity", "info"), 9),
            -float(model.diagnoses[i].get("value_at_stake") or 0),
            i,
        ),
    )
    return [model.diagnoses[i] for i in order]


def diagnosis_anchor(model: ReportModel, code: str | None) -> str:
    for i, d in enumerate(sorted_diagnoses(model)):
        if d.get("code") == code:
            return slug("diag", i, code)
    return "issue-resolution"


def output_columns(model: ReportModel | None) -> dict[str, str]:
    """{column: role word} of the columns holding the model's outputs or the target (not input
    features), from the data summary."""
    if model is None:
        return {}
    return {
        str(r.get("name", r.get("column"))): OUTPUT_ROLES.get(str(r.get("role")), str(r.get("role")))
        for r in (model.data_summary or [])
        if r.get("role") not in (None, "feature")
    }


def drifted_features(idx: Index, model: ReportModel | None = None) -> tuple[list[str], int] | None:
    """(drifted input features, number of input features monitored); the model's outputs (prediction,
    probabilities, target) are left out when the data summary tells the roles."""
    uni = idx.step("univariate_drift")
    if not len(uni):
        return None
    outputs = output_columns(model)
    cols = sorted(c for c in uni["column"].dropna().unique().tolist() if c not in outputs)
    ana = uni[(uni["period"] == "analysis") & uni["alert"].fillna(False).astype(bool)]
    return sorted(c for c in ana["column"].dropna().unique().tolist() if c not in outputs), len(cols)


def headline_item(model: ReportModel, metric: str) -> Mapping[str, Any] | None:
    """The resolution's headline number for a metric, if it made one."""
    return next(
        (h for h in (model.summary.get("headline") or []) if isinstance(h, dict) and h.get("metric") == metric),
        None,
    )
