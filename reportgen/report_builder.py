"""Build the ReportModel from a run: metadata, chunks, results, ranking, resolution, appendix data.

The one place where the pipeline's outputs (MonitoringData, the Result table, method notes, step
artifacts, input sources) become the plain ReportModel every renderer reads.
"""

from __future__ import annotations

import hashlib
import math
import platform
from collections.abc import Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportgen.cautions import run_warnings
from reportgen.clock import generation_time
from reportgen.drift.ranking import rank_features
from reportgen.report import ReportModel, results_records
from reportgen.resolution import resolve
from reportgen.resolution.baseline import fingerprint, headline_comparison, mismatch
from reportgen.sample_size import for_resolution, label_counts
from reportgen.version import __version__

VERSION_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "lightgbm",
    "plotly",
    "matplotlib",
    "weasyprint",
    "jinja2",
    "pyarrow",
)


def build_report_model(
    config: Any,
    data: Any,
    results: pd.DataFrame,
    notes: list[dict[str, Any]],
    artifacts: Mapping[str, Any],
    sources: Mapping[str, str],
    baseline: dict[str, Any] | None = None,
) -> ReportModel:
    """Everything the report shows, as plain JSON-ready data; `baseline` is a previous run's
    results.json (reportgen.inputs.read_baseline) the summary compares with."""
    labels = label_counts(data)
    chunks = [{**c.to_dict(), "targets": labels.get(c.index)} for c in data.chunks]
    judged = for_resolution(results)
    ranking = _ranking(judged, config.problem_type)
    model_id = fingerprint(config, data)
    reasons = mismatch(baseline, model_id) if baseline is not None else []
    resolution = resolve(
        judged,
        data.chunks,
        config,
        ranking=ranking,
        baseline=None if reasons else baseline,
        data=data,
        residuals=(artifacts.get("residual_bins") or {}).get("profile"),
    )
    if reasons and baseline is not None:
        resolution.summary["comparison"] = headline_comparison(resolution.summary["headline"], baseline, reasons)
    cautions = run_warnings(data, results, labels, notices=data.notices, baseline_reasons=reasons)
    summary = _plain(resolution.summary)
    diagnoses = _plain([d.to_dict() for d in resolution.diagnoses])
    recommendations = _plain(list(resolution.recommendations))
    return ReportModel(
        title=config.title,
        problem_type=config.problem_type,
        generated_at=generation_time().isoformat(),
        reportgen_version=__version__,
        chunks=chunks,
        results=results_records(results),
        diagnoses=diagnoses,
        recommendations=recommendations,
        summary=summary,
        metadata=_metadata(config, data),
        config=config.resolved(),
        method_notes=_plain(list(notes) + list(resolution.method_notes or [])),
        ranking=_ranking_records(ranking),
        distributions=_distributions(artifacts),
        data_summary=_data_summary(data),
        versions=versions(),
        inputs=input_hashes(sources),
        warnings=cautions,
        fingerprint=model_id,
    )


def _ranking(results: pd.DataFrame, problem_type: str) -> pd.DataFrame | None:
    if not (results["step"] == "univariate_drift").any():
        return None
    return rank_features(results, problem_type)


def _ranking_records(ranking: pd.DataFrame | None) -> list[dict[str, Any]]:
    if ranking is None or not len(ranking):
        return []
    frame = ranking.reset_index() if ranking.index.name is not None else ranking
    return [_plain(rec) for rec in frame.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars -> Python, NaN -> None, tuples -> lists, keys -> str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not math.isfinite(v) else v
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return _plain(asdict(value))
    return value


def _distributions(artifacts: Mapping[str, Any]) -> dict[str, Any]:
    dist = (artifacts.get("univariate_drift") or {}).get("distributions") or {}
    out: dict[str, Any] = {}
    for column in sorted(dist, key=str):
        d = dist[column]
        entry = {k: _plain(v) for k, v in d.items() if k != "chunks"}
        entry["chunks"] = {
            str(int(k)): _plain(v) for k, v in sorted((d.get("chunks") or {}).items(), key=lambda kv: int(kv[0]))
        }
        out[str(column)] = entry
    return out


def _data_summary(data: Any) -> list[dict[str, Any]]:
    try:
        from reportgen.dataset import data_summary
    except ImportError:
        return _fallback_data_summary(data)
    summary = data_summary(data)
    if isinstance(summary, pd.DataFrame):
        return [_plain(r) for r in summary.to_dict(orient="records")]
    return [_plain(r) for r in summary]


def _fallback_data_summary(data: Any) -> list[dict[str, Any]]:
    rows = []
    for period in ("reference", "analysis"):
        ds = data.dataset(period)
        for name, col in ds.monitored_columns().items():
            missing = int(col.missing_mask().sum()) if hasattr(col, "missing_mask") else None
            rows.append(
                {
                    "column": name,
                    "period": period,
                    "kind": col.kind,
                    "role": col.role,
                    "rows": int(ds.n_rows),
                    "missing": missing,
                    "missing_rate": (missing / ds.n_rows) if missing is not None and ds.n_rows else None,
                }
            )
    return rows


def _period(data: Any, period: str) -> dict[str, Any]:
    chunks = data.chunks_of(period)
    ds = data.dataset(period)
    starts = [c.start_time for c in chunks if c.start_time is not None]
    ends = [c.end_time for c in chunks if c.end_time is not None]
    return {
        "rows": int(ds.n_rows),
        "chunks": len(chunks),
        "start": pd.Timestamp(min(starts)).isoformat() if starts else None,
        "end": pd.Timestamp(max(ends)).isoformat() if ends else None,
    }


PERIOD_WORDS = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}


def chunking_text(config: Any) -> str:
    """'weekly chunks', 'chunks of 5,000 rows' or '10 chunks per period'."""
    c = config.chunking
    if c.period:
        return f"{PERIOD_WORDS.get(c.period, c.period)} chunks"
    if c.size:
        return f"chunks of {c.size:,} rows"
    return f"{c.number} chunks per period"


def _metadata(config: Any, data: Any) -> dict[str, Any]:
    bv = getattr(config, "business_value", None)
    return {
        "model": config.title,
        "problem_type": config.problem_type,
        "reference": _period(data, "reference"),
        "analysis": _period(data, "analysis"),
        "chunking": chunking_text(config),
        "currency": bv.currency if bv is not None else "EUR",
        "classes": [str(c) for c in getattr(data.reference, "classes", ())],
        "features": sorted(str(f) for f in data.reference.features),
    }


def versions() -> dict[str, str]:
    """Versions of reportgen, Python and the main dependencies (for the audit appendix)."""
    out = {"reportgen": __version__, "python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(sources: Mapping[str, str]) -> list[dict[str, Any]]:
    """[{role, name, bytes, sha256}] for every source that is a file (no folder: rebuilds elsewhere match)."""
    out = []
    for role in sorted(sources):
        p = Path(str(sources[role]))
        if p.is_file():
            out.append({"role": role, "name": p.name, "bytes": p.stat().st_size, "sha256": sha256_file(p)})
    return out
