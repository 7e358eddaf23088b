"""The archive's history page: ROOT/index.html lists every run with its status and headline numbers,
draws trend charts across runs and links to each report.

The page is one self-contained file (inline CSS, static SVG charts drawn by matplotlib, no script,
no network) rendered from templates/index.html with autoescape on; users override the template by
name with a folder of their own.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reportgen.delivery.atomic import write_text_atomic
from reportgen.digest import cut, headline_numbers
from reportgen.errors import ReportgenError
from reportgen.render.filters import metric_label, metric_value
from reportgen.report import ReportModel

PathLike = str | Path

# Okabe-Ito: colour-blind-safe; the status colours pair with words in the page.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


# ---------------------------------------------------------------- numbers


# ---------------------------------------------------------------- page model


def _run_row(root: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """One run of the index: its digest (cut from its results.json) beside the manifest's facts and the links."""
    run_dir = root / manifest["dir"]
    try:
        data = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    digest = cut(ReportModel.from_results(data))
    links = []
    for name, label in (
        ("report.html", "HTML"),
        ("report.pdf", "PDF"),
        ("results.json", "JSON"),
        ("report.eml", "e-mail"),
    ):
        if (run_dir / name).exists():
            links.append({"href": f"{manifest['dir']}/{name}", "label": label})
    return {
        "model": manifest.get("model"),
        "title": manifest.get("title") or (digest.title if data.get("title") else None) or manifest.get("model"),
        "period": manifest.get("period"),
        "sequence": manifest.get("sequence"),
        "number": int(manifest.get("sequence") or 0) + 1,  # people count runs from 1
        "generated_at": manifest.get("generated_at"),
        # an unreadable results.json: the manifest's status
        "status": digest.status if (data.get("summary") or {}).get("status") else str(manifest.get("status") or "ok"),
        "sentence": digest.sentence,
        "numbers": digest.numbers,
        "alerts": dict(digest.alerts),
        "alerts_total": digest.alerts_total,
        "links": links,
        "manifest": f"{manifest['dir']}/manifest.json",
    }


def build_history(root: PathLike) -> dict[str, Any]:
    """Plain data for templates/index.html: models, each with its runs (newest first) and trend charts."""
    from reportgen.delivery.ledger import archived_runs

    root = Path(root)
    models: dict[str, dict[str, Any]] = {}
    for manifest in archived_runs(root):
        row = _run_row(root, manifest)
        entry = models.setdefault(str(row["model"]), {"slug": row["model"], "title": row["title"], "runs": []})
        entry["title"] = row["title"]
        entry["runs"].append(row)
    for entry in models.values():
        chronological = entry["runs"]
        entry["charts"] = trend_charts(chronological)
        entry["latest"] = chronological[-1] if chronological else None
        entry["runs"] = list(reversed(chronological))
    return {"models": [models[k] for k in sorted(models)], "run_count": sum(len(m["runs"]) for m in models.values())}


# ---------------------------------------------------------------- charts


def trend_charts(runs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One SVG per headline metric (value per run, reference dashed) and one of alerts per run."""
    if not runs:
        return []
    periods = [str(r["period"]) for r in runs]
    series: dict[str, dict[str, Any]] = {}
    for i, run in enumerate(runs):
        for num in run["numbers"]:
            s = series.setdefault(
                num["label"], {"metric": num["metric"], "values": [None] * len(runs), "reference": [None] * len(runs)}
            )
            s["values"][i] = num["value"]
            s["reference"][i] = num["reference"]
    charts = []
    for label, s in series.items():
        latest = next((v for v in reversed(s["values"]) if v is not None), None)
        title = f"{label[:1].upper()}{label[1:]} per run" + (
            f": {metric_value(latest, s['metric'])} in the latest" if latest is not None else ""
        )
        counted = str(s["metric"]).startswith(("drifted", "true_", "false_")) or s["metric"] in ("count", "rows")
        svg = _line_svg(
            periods,
            {label: s["values"], "reference": s["reference"]},
            ylabel=metric_label(s["metric"]),
            title=title,
            integer=counted,
        )
        charts.append(
            {"title": title, "svg": svg, "table": _table(periods, {label: s["values"], "reference": s["reference"]})}
        )
    steps = sorted({step for run in runs for step in run["alerts"]})
    alert_series = {step.replace("_", " "): [float(run["alerts"].get(step, 0)) for run in runs] for step in steps} or {
        "alerts": [0.0] * len(runs)
    }
    title = f"Alerts per run: {runs[-1]['alerts_total']} in the latest"
    charts.append(
        {
            "title": title,
            "svg": _line_svg(periods, alert_series, ylabel="alerting records", title=title, integer=True),
            "table": _table(periods, alert_series),
        }
    )
    return charts


def _table(periods: list[str], series: Mapping[str, Sequence[float | None]]) -> dict[str, Any]:
    return {
        "header": ["period", *series],
        "rows": [[p, *[series[k][i] for k in series]] for i, p in enumerate(periods)],
    }


def _line_svg(
    periods: list[str], series: Mapping[str, Sequence[float | None]], *, ylabel: str, title: str, integer: bool = False
) -> str:
    """A small static line chart as SVG text, byte-stable (fixed hashsalt, no date)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "reportgen-history", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(6.4, 2.6))
        x = list(range(len(periods)))
        for i, (name, values) in enumerate(series.items()):
            ys = [math.nan if v is None else float(v) for v in values]
            dashed = name == "reference"
            ax.plot(
                x,
                ys,
                label=name,
                color="#555555" if dashed else PALETTE[i % len(PALETTE)],
                linestyle="--" if dashed else "-",
                marker=None if dashed else "o",
                markersize=4,
                linewidth=1.5,
            )
        ax.set_xticks(x)
        ax.set_xticklabels(
            periods, rotation=30 if len(periods) > 6 else 0, ha="right" if len(periods) > 6 else "center"
        )
        ax.set_xlabel("run (analysis period)")
        ax.set_ylabel(ylabel)
        if integer:
            from matplotlib.ticker import MaxNLocator

            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
        ax.set_title(title, loc="left", fontsize=10)
        ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="best", fontsize=8, frameon=False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


# ---------------------------------------------------------------- rendering


def render_index(root: PathLike, templates: PathLike | None = None) -> str:
    """The history page of the archive at `root` as HTML text."""
    from reportgen.render.templating import make_environment

    env = make_environment(None, templates)
    page = build_history(root)
    return env.get_template("index.html").render(**page)


def write_index(root: PathLike, *, templates: PathLike | None = None, locked: bool = False) -> Path:
    """Write ROOT/index.html atomically (taking the archive lock unless the caller holds it)."""
    from reportgen.delivery.ledger import ArchiveError, model_dirs
    from reportgen.delivery.locking import archive_lock

    root = Path(root)
    if not root.is_dir() or not model_dirs(root):
        raise ArchiveError(
            f"{root}: not a reportgen archive (no <model>/ledger.json found); give the folder passed to `run --archive`"
        )
    path = root / "index.html"
    if locked:
        write_text_atomic(path, render_index(root, templates))
        return path
    with archive_lock(root):
        write_text_atomic(path, render_index(root, templates))
    return path


__all__ = ["build_history", "headline_numbers", "metric_label", "render_index", "write_index", "ReportgenError"]
