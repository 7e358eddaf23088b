"""ReportModel: the plain, serialisable data between the statistics and every renderer.

Built once from MonitoringData, the Result table and the resolution; only this object reaches
rendering (HTML, PDF, e-mail) and results.json is written from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from reportgen.results import to_records
from reportgen.version import __version__

if TYPE_CHECKING:
    from reportgen.render.save import Rendering


@dataclass
class ReportModel:
    """Everything a renderer may show. Plain data: dicts, lists, strings, numbers."""

    title: str
    problem_type: str
    generated_at: str
    reportgen_version: str = __version__
    chunks: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    diagnoses: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    method_notes: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    ranking: list[dict[str, Any]] = field(default_factory=list)  # features ranked (drift.ranking)
    distributions: dict[str, Any] = field(
        default_factory=dict
    )  # {column: {kind, bin_edges|categories, reference, chunks}}
    data_summary: list[dict[str, Any]] = field(default_factory=list)  # one record per column
    versions: dict[str, str] = field(default_factory=dict)  # reportgen and its main dependencies
    inputs: list[dict[str, Any]] = field(default_factory=list)  # [{role, path, sha256, bytes}]
    warnings: list[dict[str, Any]] = field(
        default_factory=list
    )  # [{code, message, chunks, columns}] (reportgen.cautions)
    fingerprint: dict[str, Any] = field(default_factory=dict)  # {title, problem_type, columns, reference}

    def results_frame(self) -> pd.DataFrame:
        from reportgen.results import COLUMNS, conform

        return conform(pd.DataFrame(self.results, columns=list(COLUMNS)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready when built by report_builder)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportModel:
        """Inverse of to_dict; unknown keys are refused so a typo does not pass silently."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown ReportModel fields {unknown}; known: {sorted(known)}")
        return cls(**data)

    def to_json(self) -> str:
        """The whole model as JSON (field and key order kept, so a reloaded model renders identically; no NaN)."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReportModel:
        """Read a model written by to_json."""
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_results(cls, data: Mapping[str, Any], config: dict[str, Any] | None = None) -> ReportModel:
        """The model a results.json (parsed) holds, with the run's resolved config when kept beside it.

        results.json carries no distributions, ranking or data summary: renderers show what it has.
        """
        kept = {k: data[k] for k in RESULTS_FIELDS if k in data}
        kept.setdefault("title", "Model monitoring report")
        kept.setdefault("problem_type", "binary_classification")
        kept.setdefault("generated_at", "")
        return cls(**kept, reportgen_version=str(data.get("reportgen_version", "")), config=dict(config or {}))

    def to_results_json(self, files: list[dict[str, str]] | None = None) -> str:
        """results.json (README "results.json"): deterministic key order, no NaN; `files` lists the run's other files."""
        payload = {
            "reportgen_version": self.reportgen_version,
            "title": self.title,
            "problem_type": self.problem_type,
            "generated_at": self.generated_at,
            "chunks": [c if "targets" in c else {**c, "targets": None} for c in self.chunks],
            "results": self.results,
            "diagnoses": self.diagnoses,
            "recommendations": self.recommendations,
            "summary": contract_summary(self.summary),
            "files": list(files or []),
            "warnings": self.warnings,
            "fingerprint": self.fingerprint,
        }
        return json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


RESULTS_FIELDS = (
    "title",
    "problem_type",
    "generated_at",
    "chunks",
    "results",
    "diagnoses",
    "recommendations",
    "summary",
    "warnings",
    "fingerprint",
)  # the ReportModel fields results.json keeps
SUMMARY_STATUSES = ("ok", "warning", "alert")
SECTION_STATUSES = (*SUMMARY_STATUSES, "no_data")  # no_data: no usable record (no labels, chunks too small)


def contract_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with the results.json status words only (ok | warning | alert).

    A section with no usable record reads `no_data`. Resolution marks a section `info` when its only alerts are isolated (one method, one
    chunk, one feature, nothing corroborating); for results.json that reads `ok`, and the finer
    grade is kept under the extension key `section_levels`.
    """
    sections = dict(summary.get("sections") or {})
    out = dict(summary)
    out["sections"] = {name: (level if level in SECTION_STATUSES else "ok") for name, level in sections.items()}
    out["section_levels"] = sections
    if out.get("status") not in SUMMARY_STATUSES:
        out["status"] = "ok"
    return out


def results_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return to_records(frame)


def default_summary(results: pd.DataFrame) -> dict[str, Any]:
    """Status from alerts alone; replaced by reportgen.resolution's executive summary."""
    analysis = results[results["period"] == "analysis"]
    sections: dict[str, str] = {}
    for step, group in analysis.groupby("step", sort=True):
        sections[str(step)] = "alert" if bool(group["alert"].fillna(False).any()) else "ok"
    status = "alert" if "alert" in sections.values() else "ok"
    return {"status": status, "sections": sections, "headline": [], "sentence": ""}


def optional_str(value: Any | None) -> str | None:
    return None if value is None else str(value)


def render_channel(rendering: Rendering) -> bytes:
    """The json channel (reportgen.channels): results.json."""
    return rendering.model.to_results_json(files=rendering.files).encode("utf-8")
