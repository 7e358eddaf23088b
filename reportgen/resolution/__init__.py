"""Issue resolution: diagnoses with evidence, recommended actions and the executive summary.

`resolve(results, chunks, config)` reasons over every Result of a run: it extracts corroborated
alerts (reportgen.resolution.evidence), applies one rule per diagnosis code
(reportgen.resolution.rules), turns diagnoses into recommendations and writes the executive
summary, optionally compared with the previous report's results.json.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pandas as pd

from reportgen.config import Config
from reportgen.resolution.baseline import compare
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.recommendations import recommend
from reportgen.resolution.rules import CODES, RULES, run_rules
from reportgen.resolution.summary import build_summary

__all__ = ["Resolution", "resolve", "CODES", "RULES"]


@dataclass
class Resolution:
    """What the report shows in its summary and issue-resolution section (plain data)."""

    diagnoses: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"diagnoses": self.diagnoses, "recommendations": self.recommendations, "summary": self.summary}

    @property
    def codes(self) -> list[str]:
        """The diagnosis codes, most severe first."""
        return [d["code"] for d in self.diagnoses]


def resolve(
    results: pd.DataFrame,
    chunks: list[dict],
    config: Config,
    *,
    ranking: Optional[pd.DataFrame] = None,
    baseline: Optional[dict] = None,
    data: Any = None,
) -> Resolution:
    """Diagnose the run, recommend actions and write the executive summary.

    Parameters
    ----------
    results:
        The tidy Result table of every step (reportgen.results schema).
    chunks:
        The results.json `chunks` list ({index, key, period, start_row, end_row, ...}), or the
        run's Chunk objects.
    config:
        The run's Config.
    ranking:
        Optional per-feature drift ranking (reportgen.drift.ranking.rank_features); its correlation
        with the performance change orders the features of a diagnosis when given.
    baseline:
        Optional previous results.json as a dict: marks new, continuing and resolved alerts and the
        change of each headline number.
    data:
        Optional MonitoringData of the run; with targets it lets a concept-drift diagnosis name the
        features whose relationship with the target changed (their distributions do not move).
    """
    chunk_dicts = [c.to_dict() if hasattr(c, "to_dict") else dict(c) for c in chunks]
    ev = Evidence(results, chunk_dicts, config, ranking=ranking, data=data)
    diagnoses = run_rules(ev)
    recommendations = recommend(diagnoses, ev)
    summary = build_summary(ev, diagnoses, recommendations)
    if baseline is not None:
        summary["comparison"] = compare(ev, diagnoses, summary["headline"], baseline, config)
    return Resolution(diagnoses=diagnoses, recommendations=recommendations, summary=summary)
