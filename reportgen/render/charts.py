"""Backend-neutral chart descriptions built from the Result schema.

A Chart says what to draw (series over chunks, a band, thresholds, alert markers, a heatmap of
statuses, distributions) and carries its finding-stating title, axis labels with units, an aria
label and the data table behind it. `reportgen.render.plotly_draw` draws it for the HTML and
`reportgen.render.svg_draw` as SVG (PDF, notebook) and `reportgen.render.mpl_draw` as PNG (e-mail), with the
same theme colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from reportgen.render import filters as fmt
from reportgen.sample_size import UNDERSIZED_NOTE

# Column formats understood by the table macro (applied with the Jinja filters of the same name).
TEXT, NUM, PCT, MONEY, INTEGER, STATUS, RANGE = "text", "num", "pct", "money", "integer", "status", "range"


@dataclass
class Series:
    """One line / bar / marker trace over chunk positions."""

    name: str
    x: list[float]
    y: list[float | None]
    kind: str = "line"  # line | bar | step
    role: str = "estimated"  # palette key: estimated | realized | series0.. | reference
    dash: bool = False
    customdata: list[str] | None = None  # hover labels (chunk keys)


@dataclass
class Table:
    """Rows of raw values; `formats` names the filter that formats each column."""

    columns: list[str]
    formats: list[str]
    rows: list[list[Any]]
    caption: str = ""
    currency: str = "EUR"

    def without_empty_columns(self) -> Table:
        """The table without the columns that are empty in every row (print: fewer cells, nothing lost).

        A column is empty where each value is None or "" (shown as a dash); the first column stays.
        """
        keep = [
            j
            for j in range(len(self.columns))
            if j == 0 or any(j < len(r) and r[j] is not None and r[j] != "" for r in self.rows)
        ]
        if len(keep) == len(self.columns) or not self.rows:
            return self
        return replace(
            self,
            columns=[self.columns[j] for j in keep],
            formats=[self.formats[j] for j in keep],
            rows=[[r[j] for j in keep] for r in self.rows],
        )


@dataclass
class Chart:
    """What one chart shows, independent of the drawing library."""

    id: str
    kind: str  # metric | heatmap | distribution | bars
    title: str
    x_label: str
    y_label: str
    aria: str
    table: Table
    series: list[Series] = field(default_factory=list)
    x_ticks: list[float] = field(default_factory=list)
    x_tick_labels: list[str] = field(default_factory=list)
    reference_span: tuple[float, float] | None = None
    band: dict[str, Any] | None = None  # {x, lower, upper, name}
    thresholds: list[dict[str, Any]] = field(default_factory=list)  # [{x, y, name}]
    alerts: dict[str, Any] | None = None  # {x, y, name}
    heatmap: dict[str, Any] | None = None  # {rows, cols, status: [[0/1/None]], values: [[float]]}
    categories: list[str] = field(default_factory=list)  # distribution: x categories
    stacked: bool = False
    status: str = "ok"
    section: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def chunk_axis(chunks: Sequence[dict[str, Any]], max_ticks: int = 12) -> tuple[list[float], list[str]]:
    """Tick positions (chunk index) and labels (chunk keys), thinned to at most `max_ticks`."""
    n = len(chunks)
    if n == 0:
        return [], []
    step = max(1, int(np.ceil(n / max_ticks)))
    picked = list(range(0, n, step))
    return [float(chunks[i]["index"]) for i in picked], [short_key(chunks[i]["key"]) for i in picked]


def short_key(key: Any) -> str:
    """Chunk keys are shown as-is, shortened only when very long."""
    text = str(key)
    return text if len(text) <= 22 else text[:21] + "\u2026"


def _clean(values: Any) -> list[float | None]:
    arr = np.asarray(values, dtype="float64")
    return [None if not np.isfinite(v) else float(v) for v in arr]


def _constant(values: list[float | None]) -> float | None:
    finite = [v for v in values if v is not None]
    if finite and max(finite) - min(finite) <= 1e-12 * max(1.0, abs(finite[0])):
        return finite[0]
    return None


def metric_chart(
    chart_id: str,
    frames: Sequence[tuple[str, pd.DataFrame]],
    chunks: Sequence[dict[str, Any]],
    *,
    metric: str,
    subject: str,
    y_unit: str = "",
    currency: str = "EUR",
    band_from: int = 0,
    section: str = "",
) -> Chart:
    """A metric over chunks: reference shaded, band and thresholds of the first frame, alerts, overlays.

    `frames` is [(role, records)] with role `estimated`, `realized` or `seriesN`; each records frame
    holds one row per chunk (step/method/metric/column fixed) sorted by chunk_index.
    """
    series = []
    alerts_x: list[float] = []
    alerts_y: list[float] = []
    chunk_keys = {int(c["index"]): str(c["key"]) for c in chunks}
    ref_idx = [int(c["index"]) for c in chunks if c["period"] == "reference"]
    first = frames[band_from][1]
    for role, frame in frames:
        x = [float(i) for i in frame["chunk_index"]]
        name = _series_name(role, frame)
        series.append(
            Series(
                name=name,
                x=x,
                y=_clean(frame["value"]),
                role=role,
                dash=role == "realized",
                customdata=[chunk_keys.get(int(i), str(i)) for i in frame["chunk_index"]],
            )
        )
        flagged = frame[
            (frame["alert"].fillna(False).astype(bool)) & (frame["period"] == "analysis") & frame["value"].notna()
        ]
        alerts_x.extend(float(i) for i in flagged["chunk_index"])
        alerts_y.extend(float(v) for v in flagged["value"])
    x0 = [float(i) for i in first["chunk_index"]]
    band = None
    if first["lower_confidence"].notna().any() or first["upper_confidence"].notna().any():
        band = {
            "x": x0,
            "lower": _clean(first["lower_confidence"]),
            "upper": _clean(first["upper_confidence"]),
            "name": "Confidence band",
        }
    thresholds = []
    for col, label in (("upper_threshold", "Upper threshold"), ("lower_threshold", "Lower threshold")):
        vals = _clean(first[col])
        if any(v is not None for v in vals):
            thresholds.append({"x": x0, "y": vals, "name": label, "constant": _constant(vals)})
    ticks, labels = chunk_axis(chunks)
    analysis = first[first["period"] == "analysis"]
    reference = first[first["period"] == "reference"]
    n_alerts = int(analysis["alert"].fillna(False).astype(bool).sum())
    ref_mean = float(reference["value"].mean()) if len(reference) else float("nan")
    last = float(analysis["value"].iloc[-1]) if len(analysis) else float("nan")
    value_fmt = lambda v: fmt.metric_value(v, metric, currency)  # noqa: E731
    if n_alerts:
        title = f"{subject}: {n_alerts} of {len(analysis)} analysis chunks outside thresholds (last {value_fmt(last)}, reference {value_fmt(ref_mean)})"
        status = "alert"
    else:
        title = f"{subject} stays within thresholds (last {value_fmt(last)}, reference {value_fmt(ref_mean)})"
        status = "ok"
    if alerts_x and n_alerts == 0:
        status = "alert"
    y_label = fmt.metric_label(metric) + (f" ({y_unit})" if y_unit else "")
    table = _metric_table(frames, chunk_keys, metric, currency)
    aria = (
        f"Line chart of {subject} over {len(first)} chunks ({len(reference)} reference, {len(analysis)} analysis). "
        f"{title}."
    )
    return Chart(
        id=chart_id,
        kind="metric",
        title=title,
        x_label="Chunk",
        y_label=y_label,
        aria=aria,
        table=table,
        series=series,
        x_ticks=ticks,
        x_tick_labels=labels,
        reference_span=(min(ref_idx) - 0.5, max(ref_idx) + 0.5) if ref_idx else None,
        band=band,
        thresholds=thresholds,
        alerts={"x": alerts_x, "y": alerts_y, "name": "Alert"} if alerts_x else None,
        status=status,
        section=section,
    )


def _series_name(role: str, frame: pd.DataFrame) -> str:
    method = frame["method"].iloc[0] if len(frame) else None
    if role == "realized" or method == "realized":
        return "Realized"
    if method in ("cbpe", "dle"):
        return f"Estimated ({method.upper()})"
    return fmt.method_label(method) or role


def _metric_table(
    frames: Sequence[tuple[str, pd.DataFrame]], chunk_keys: dict[int, str], metric: str, currency: str
) -> Table:
    value_format = (
        MONEY if metric in ("business_value", "cumulative_business_value") else (PCT if metric == "rate" else NUM)
    )
    first = frames[0][1]
    columns = ["Chunk", "Period"]
    formats = [TEXT, TEXT]
    for role, frame in frames:
        columns.append(_series_name(role, frame))
        formats.append(value_format)
    has_band = first["lower_confidence"].notna().any()
    if has_band:
        columns += ["Band low", "Band high"]
        formats += [value_format, value_format]
    columns += ["Lower threshold", "Upper threshold", "Status"]
    formats += [value_format, value_format, STATUS]
    has_note = first["note"].notna().any()
    if has_note:  # e.g. how unusual an alerting value is against same-size reference samples
        columns.append("Note")
        formats.append(TEXT)
    # plain lists and dicts: a per-row `.loc` on the frames was most of the view's time
    by_role = [
        (
            dict(zip(f["chunk_index"].tolist(), f["value"].tolist())),
            dict(zip(f["chunk_index"].tolist(), f["alert"].tolist())),
        )
        for _, f in frames
    ]
    base = frames[0][1]
    fields = ["period", "lower_confidence", "upper_confidence", "lower_threshold", "upper_threshold"]
    records = zip(base["chunk_index"].tolist(), *(base[c].tolist() for c in fields), base["note"].tolist())
    rows = []
    for idx, period, band_lo, band_hi, lo, hi, note in records:
        row: list[Any] = [chunk_keys.get(int(idx), str(idx)), period]
        alert = False
        for values, alerts in by_role:
            v = values.get(idx, np.nan)
            row.append(None if pd.isna(v) else float(v))
            a = alerts.get(idx, False)
            alert = alert or (bool(a) if not pd.isna(a) else False)
        if has_band:
            row += [_opt(band_lo), _opt(band_hi)]
        row += [_opt(lo), _opt(hi)]
        unjudged = isinstance(note, str) and note.startswith(UNDERSIZED_NOTE)  # greyed: the note says why
        status = "alert" if alert else "no_data" if unjudged else "ok"
        row.append(status if period == "analysis" else None)  # reference chunks are not judged
        if has_note:
            row.append(note if note is not None and not pd.isna(note) else None)
        rows.append(row)
    return Table(columns=columns, formats=formats, rows=rows, currency=currency)


def _opt(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def status_heatmap(
    chart_id: str,
    frame: pd.DataFrame,
    chunks: Sequence[dict[str, Any]],
    *,
    subject: str,
    value_label: str,
    row_order: Sequence[str] | None = None,
    value_format: str = NUM,
    section: str = "",
    verb: str = "drifted",
) -> Chart:
    """Rows (features) x analysis chunks; a cell's colour is its status (alert or not), the value on hover."""
    ana = [c for c in chunks if c["period"] == "analysis"]
    cols = [int(c["index"]) for c in ana]
    keys = [str(c["key"]) for c in ana]
    data = frame[frame["period"] == "analysis"]
    rows = list(row_order) if row_order is not None else sorted(data["column"].dropna().unique().tolist())
    # each (feature, chunk) cell: its first non-missing value and alert flag (as pivot_table's "first")
    cell_value: dict[tuple[Any, int], float] = {}
    cell_alert: dict[tuple[Any, int], float] = {}
    records = zip(
        data["column"].tolist(),
        data["chunk_index"].tolist(),
        data["value"].tolist(),
        data["alert"].astype("float64").tolist(),
    )
    for column, idx, value, alert in records:
        if not pd.isna(value):
            cell_value.setdefault((column, idx), value)
        if not pd.isna(alert):
            cell_alert.setdefault((column, idx), alert)
    status = [[None if (a := cell_alert.get((r, c))) is None else int(a) for c in cols] for r in rows]
    vals = [[None if (v := cell_value.get((r, c))) is None else float(v) for c in cols] for r in rows]
    n_alert = sum(1 for row in status for v in row if v == 1)
    n_rows_alert = sum(1 for row in status if any(v == 1 for v in row))
    if n_alert:
        title = f"{subject}: {fmt.plural(n_rows_alert, 'feature')} of {len(rows)} {verb}, {fmt.plural(n_alert, 'alert')} in {len(cols)} analysis chunks"
    else:
        title = f"{subject}: no feature {verb} in {len(cols)} analysis chunks"
    table = Table(
        columns=["Feature", "Alerts"] + keys,
        formats=[TEXT, INTEGER] + [value_format] * len(keys),
        rows=[[r, sum(1 for v in srow if v == 1)] + vrow for r, srow, vrow in zip(rows, status, vals)],
    )
    ticks = list(range(len(keys)))
    step = max(1, int(np.ceil(len(keys) / 12)))
    return Chart(
        id=chart_id,
        kind="heatmap",
        title=title,
        x_label="Analysis chunk",
        y_label="Feature",
        aria=f"Heatmap of {subject} alerts, {len(rows)} features by {len(cols)} analysis chunks. {title}.",
        table=table,
        x_ticks=[float(t) for t in ticks[::step]],
        x_tick_labels=[short_key(k) for k in keys[::step]],
        heatmap={
            "rows": [str(r) for r in rows],
            "cols": keys,
            "status": status,
            "values": vals,
            "value_label": value_label,
        },
        status="alert" if n_alert else "ok",
        section=section,
    )


def distribution_chart(
    chart_id: str,
    column: str,
    dist: dict[str, Any],
    chunks: Sequence[dict[str, Any]],
    worst_chunks: Sequence[int],
    *,
    section: str = "",
    finding: str = "",
) -> Chart:
    """Reference vs the worst chunks: density histograms (continuous) or shares as stacked bars (categorical)."""
    chunk_keys = {int(c["index"]): str(c["key"]) for c in chunks}
    ref = np.asarray(dist.get("reference", []), dtype="float64")
    per_chunk = {int(k): np.asarray(v, dtype="float64") for k, v in (dist.get("chunks") or {}).items()}
    picked = [int(i) for i in worst_chunks if int(i) in per_chunk][:3]
    categorical = dist.get("kind") == "categorical" or "categories" in dist
    groups = [("Reference", ref)] + [(f"Chunk {chunk_keys.get(i, str(i))}", per_chunk[i]) for i in picked]
    shares = [(name, (c / c.sum()) if c.sum() > 0 else c) for name, c in groups]
    if categorical:
        cats = [str(c) for c in dist.get("categories", [])]
        n = len(shares[0][1])
        cats = (cats + ["unseen", "missing"])[:n] if len(cats) < n else cats[:n]
        series = [
            Series(
                name=cats[j],
                x=list(range(len(shares))),
                y=[float(s[1][j]) for s in shares],
                kind="bar",
                role=f"series{j % 6}",
            )
            for j in range(n)
        ]
        x_labels = [name for name, _ in shares]
        table = Table(
            columns=["Category"] + x_labels,
            formats=[TEXT] + [PCT] * len(x_labels),
            rows=[[cats[j]] + [float(s[1][j]) for s in shares] for j in range(n)],
        )
        title = finding or f"{column}: category shares, reference vs worst chunks"
        return Chart(
            id=chart_id,
            kind="distribution",
            title=title,
            x_label="Period",
            y_label="Share of rows (%)",
            aria=f"Stacked bars of the category shares of {column} in the reference and {len(picked)} chunks. {title}.",
            table=table,
            series=series,
            x_ticks=[float(i) for i in range(len(x_labels))],
            x_tick_labels=x_labels,
            categories=cats,
            stacked=True,
            section=section,
            status="alert" if picked else "ok",
        )
    edges = np.asarray(dist.get("bin_edges", []), dtype="float64")
    centers = ((edges[:-1] + edges[1:]) / 2).tolist() if len(edges) > 1 else list(range(len(ref)))
    series = []
    for k, (name, share) in enumerate(shares):
        series.append(
            Series(
                name=name,
                x=[float(c) for c in centers],
                y=[float(v) for v in share[: len(centers)]],
                kind="step",
                role="ref_dist" if k == 0 else f"series{k - 1}",
            )
        )
    labels = (
        [f"{fmt.num(a)} to {fmt.num(b)}" for a, b in zip(edges[:-1], edges[1:])]
        if len(edges) > 1
        else [str(c) for c in centers]
    )
    table = Table(
        columns=["Bin"] + [name for name, _ in shares],
        formats=[TEXT] + [PCT] * len(shares),
        rows=[[labels[j]] + [float(s[1][j]) for s in shares] for j in range(len(labels))],
    )
    title = finding or f"{column}: distribution, reference vs worst chunks"
    return Chart(
        id=chart_id,
        kind="distribution",
        title=title,
        x_label=f"{column} (value)",
        y_label="Share of rows (%)",
        aria=f"Histogram of {column} in the reference and {len(picked)} chunks. {title}.",
        table=table,
        series=series,
        section=section,
        status="alert" if picked else "ok",
    )


def bars_chart(
    chart_id: str,
    frames: Sequence[tuple[str, pd.DataFrame]],
    chunks: Sequence[dict[str, Any]],
    *,
    title: str,
    y_label: str,
    metric: str,
    currency: str = "EUR",
    section: str = "",
    kind: str = "bar",
) -> Chart:
    """Values per chunk as grouped bars (or lines), reference shaded; used for business value."""
    chunk_keys = {int(c["index"]): str(c["key"]) for c in chunks}
    ref_idx = [int(c["index"]) for c in chunks if c["period"] == "reference"]
    series = []
    for role, f in frames:
        x, y = [float(i) for i in f["chunk_index"]], _clean(f["value"])
        keys = [chunk_keys.get(int(i), str(i)) for i in f["chunk_index"]]
        if kind == "line" and ref_idx:  # cumulative sums restart per period: break the line between them
            cut = sum(1 for i in f["chunk_index"] if int(i) <= max(ref_idx))
            if 0 < cut < len(x):
                x, y, keys = (
                    x[:cut] + [max(ref_idx) + 0.5] + x[cut:],
                    y[:cut] + [None] + y[cut:],
                    keys[:cut] + [""] + keys[cut:],
                )
        series.append(
            Series(
                name=_series_name(role, f),
                x=x,
                y=y,
                kind=kind,
                role=role,
                dash=role == "realized" and kind == "line",
                customdata=keys,
            )
        )
    ticks, labels = chunk_axis(chunks)
    table = _metric_table(frames, chunk_keys, metric, currency)
    return Chart(
        id=chart_id,
        kind="bars" if kind == "bar" else "metric",
        title=title,
        x_label="Chunk",
        y_label=y_label,
        aria=f"{'Bar' if kind == 'bar' else 'Line'} chart: {title}.",
        table=table,
        series=series,
        x_ticks=ticks,
        x_tick_labels=labels,
        reference_span=(min(ref_idx) - 0.5, max(ref_idx) + 0.5) if ref_idx else None,
        section=section,
    )
