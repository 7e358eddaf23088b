"""The appendix (templates/sections/appendix.html): method notes with the thresholds they applied,
the data summary, inputs and versions, and the resolved config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import yaml

from reportgen import spec
from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.report import ReportModel

DATA_SUMMARY_ORDER = (
    "name",
    "column",
    "period",
    "kind",
    "role",
    "rows",
    "missing",
    "missing_rate",
    "distinct",
    "analysis_rows",
    "analysis_missing",
    "note",
)
THRESHOLD_COLUMNS = ["Metric", "Lower threshold", "Upper threshold", "Columns", "Alerts", "Configured rule"]
THRESHOLD_FORMATS = [ch.TEXT, ch.RANGE, ch.RANGE, ch.INTEGER, ch.INTEGER, ch.TEXT]


@dataclass
class Appendix:
    """What the appendix shows."""

    notes: list[dict[str, Any]]
    thresholds: ch.Table
    config_text: str
    data_summary: ch.Table
    versions: list[tuple[str, Any]]
    inputs: list[dict[str, Any]]


def build_appendix(model: ReportModel, frame: pd.DataFrame) -> Appendix:
    by_method = _threshold_rows(model, frame)
    notes = []
    for n in sorted(model.method_notes, key=lambda n: (spec.step_rank(str(n.get("step"))), str(n.get("method")))):
        th = n.get("thresholds")
        if isinstance(th, dict):
            th_items = [(fmt.step_label(k), v) for k, v in th.items()]
            th_text = ""
        elif isinstance(th, list):
            th_items, th_text = [], "; ".join(str(t) for t in th)
        else:
            th_items, th_text = [], "" if th is None else str(th)
        rows = by_method.pop((str(n.get("step")), str(n.get("method") or "")), [])
        used = (
            ch.Table(
                columns=THRESHOLD_COLUMNS,
                formats=THRESHOLD_FORMATS,
                rows=rows,
                caption="Thresholds applied to the analysis chunks (a range where they differ by column or chunk size)",
            )
            if rows
            else None
        )
        notes.append({**n, "threshold_items": th_items, "threshold_text": th_text, "used": used})
    rest = [
        [fmt.step_label(step), fmt.method_label(method)] + row
        for (step, method), rows in sorted(by_method.items())
        for row in rows
    ]
    config_text = (
        yaml.safe_dump(model.config, sort_keys=True, allow_unicode=True, default_flow_style=False)
        if model.config
        else ""
    )
    return Appendix(
        notes=notes,
        thresholds=ch.Table(
            columns=["Step", "Method"] + THRESHOLD_COLUMNS,
            formats=[ch.TEXT, ch.TEXT] + THRESHOLD_FORMATS,
            rows=rest,
            caption="Other thresholds applied to the analysis chunks",
        ),
        config_text=config_text,
        data_summary=_data_summary(model),
        versions=sorted((model.versions or {}).items()),
        inputs=model.inputs or [],
    )


def _data_summary(model: ReportModel) -> ch.Table:
    ds = model.data_summary or []
    seen = list(dict.fromkeys(k for r in ds for k in r))
    ds_cols = [k for k in DATA_SUMMARY_ORDER if k in seen] + [k for k in seen if k not in DATA_SUMMARY_ORDER]
    ds_formats = []
    for k in ds_cols:
        vals = [r.get(k) for r in ds if r.get(k) is not None]
        if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            ds_formats.append(
                ch.PCT
                if ("rate" in k or "fraction" in k)
                else (ch.INTEGER if all(isinstance(v, int) for v in vals) else ch.NUM)
            )
        else:
            ds_formats.append(ch.TEXT)
    return ch.Table(
        columns=[fmt.step_label(k) for k in ds_cols], formats=ds_formats, rows=[[r.get(k) for k in ds_cols] for r in ds]
    )


def _threshold_rows(model: ReportModel, frame: pd.DataFrame) -> dict[tuple[str, str], list[list[Any]]]:
    """{(step, method): [[metric, lower range, upper range, columns, rule]]}: the numbers each threshold took."""
    out: dict[tuple[str, str], list[list[Any]]] = {}
    sub = frame[(frame["period"] == "analysis") & (frame["lower_threshold"].notna() | frame["upper_threshold"].notna())]
    if not len(sub):
        return out
    keyed = sub.assign(_m=sub["method"].fillna(""))
    for (step, method, metric), g in keyed.groupby(["step", "_m", "metric"], sort=True):
        lo, hi = g["lower_threshold"].dropna(), g["upper_threshold"].dropna()
        ncols = g["column"].nunique()
        out.setdefault((step, method), []).append(
            [
                fmt.metric_label(metric),
                [float(lo.min()), float(lo.max())] if len(lo) else None,
                [float(hi.min()), float(hi.max())] if len(hi) else None,
                int(ncols) if ncols else None,
                int(g["alert"].fillna(False).astype(bool).sum()),
                _rule_text(model.config, step, method, metric),
            ]
        )
    return out


def _rule_text(config: dict[str, Any], step: str, method: str, metric: str) -> str:
    rules = (config or {}).get("thresholds") or {}
    for key in (f"{step}.{method}.{metric}", f"{step}.{method}", f"{step}.{metric}", step):
        if key in rules:
            r = {k: v for k, v in sorted(rules[key].items()) if v is not None and k != "type"}
            params = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.items())
            return f"{rules[key].get('type', '')} ({params}) from thresholds.{key}"
    return "method default"
