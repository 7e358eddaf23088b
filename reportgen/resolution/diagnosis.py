"""Diagnosis: one finding of the issue resolution, typed; `to_dict()` is its results.json record.

Every diagnosis carries the same core fields (README "results.json", `diagnoses`) and `detail`, the
evidence its own code adds: a frozen `Detail` dataclass declared in that code's module under
reportgen.resolution.diagnoses, whose fields follow the core ones in results.json in declared order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Generic, Literal, TypeVar

Severity = Literal["alert", "warning", "info"]
BaselineMark = Literal["new", "continuing"]
Record = dict[str, Any]  # one results.json result record (reportgen.results), kept as written


@dataclass(frozen=True)
class Detail:
    """Base of a code's own evidence; `to_dict()` lists its fields in declared order."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class MetricNumbers:
    """A metric over a diagnosis' chunks against its reference level, rounded to 6 decimals.

    A number that could not be computed (no realized value, a zero reference for the relative
    change) is None and left out of results.json.
    """

    reference: float | None = None
    value: float | None = None
    worst: float | None = None
    change: float | None = None
    relative_change: float | None = None
    realized: float | None = None
    realized_worst: float | None = None
    realized_reference: float | None = None

    def to_dict(self) -> dict[str, float]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class SupportShare:
    """Share of a feature's rows outside the reference's support: mean over the chunks and per chunk key."""

    share: float
    chunks: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"share": self.share, "chunks": dict(self.chunks)}


@dataclass(frozen=True)
class FeatureAttribution:
    """A feature whose relation with the target changed: the test statistic, its degrees of freedom and p-value."""

    feature: str
    statistic: float
    dof: int
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "statistic": self.statistic, "dof": self.dof, "p_value": self.p_value}


D = TypeVar("D", bound=Detail, covariant=True)


@dataclass(frozen=True)
class Diagnosis(Generic[D]):
    """One finding: what happened, where (analysis chunk indices and keys), why (evidence records) and what to do."""

    code: str
    severity: Severity
    title: str
    summary: str
    chunks: tuple[int, ...]
    chunk_keys: tuple[str, ...]
    features: tuple[str, ...]
    evidence: tuple[Record, ...]  # the strongest records, capped; evidence_count counts them all
    evidence_count: int
    actions: tuple[str, ...]
    confidence: float
    value_at_stake: float | None  # money lost against the reference rate over the chunks, when it applies
    currency: str | None
    detail: D
    baseline: BaselineMark | None = None  # set when compared with a previous report

    @property
    def confidence_label(self) -> str:
        return "high" if self.confidence >= 0.75 else "medium" if self.confidence >= 0.5 else "low"

    def replace(self, **changes: Any) -> Diagnosis[D]:
        """A copy with some fields changed (diagnoses are immutable once made)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The results.json `diagnoses` record: core fields, then the code's detail, then the baseline mark."""
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "summary": self.summary,
            "chunks": list(self.chunks),
            "chunk_keys": list(self.chunk_keys),
            "features": list(self.features),
            "evidence": list(self.evidence),
            "evidence_count": self.evidence_count,
            "actions": list(self.actions),
            "confidence": self.confidence,
            "confidence_label": self.confidence_label,
            "value_at_stake": self.value_at_stake,
            "currency": self.currency,
            **self.detail.to_dict(),
        }
        if self.baseline is not None:
            out["baseline"] = self.baseline
        return out


def plain(value: Any) -> Any:
    """A detail field as JSON-ready data: typed parts through their to_dict, tuples as lists."""
    if isinstance(value, (Detail, MetricNumbers, SupportShare, FeatureAttribution)):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value
