"""Issue resolution: diagnoses with evidence, recommended actions and the executive summary.

`resolve(results, chunks, config)` reasons over every Result of a run: it extracts corroborated
alerts (reportgen.resolution.evidence), applies one rule per diagnosis code
(reportgen.resolution.rules), turns diagnoses into recommendations and writes the executive
summary, optionally compared with the previous report's results.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reportgen.config import Config
from reportgen.resolution.baseline import compare
from reportgen.resolution.diagnoses import RULES, run_rules
from reportgen.resolution.diagnosis import Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.recommendations import recommend
from reportgen.resolution.rules import CODES
from reportgen.resolution.summary import build_summary

__all__ = ["Resolution", "resolve", "Diagnosis", "CODES", "RULES", "METHOD_NOTES"]

METHOD_NOTES: tuple[dict[str, Any], ...] = (
    {
        "step": "issue_resolution",
        "method": "corroboration",
        "title": "Corroboration before shouting",
        "description": (
            "An alert counts towards a diagnosis only when something backs it. A drifted feature in a chunk counts when its "
            "methods sit, on average, at least twice as far from the reference as their thresholds; or, on average beyond "
            "their thresholds, when the same feature does so in an adjacent chunk (or, in a chunk without any strongly "
            "drifted feature, a strong multivariate alert or three such features back it). Performance alerts need half of "
            "the metrics (two or three) clearing 1.5 times their threshold in the chunk, the same metric in an adjacent chunk, "
            "or the primary metric twice as far out. Everything else is an isolated alert: reported as info, never as a "
            "warning, and listed in the no-issue finding."
        ),
    },
    {
        "step": "issue_resolution",
        "method": "diagnosis_rules",
        "title": "Diagnosis rules",
        "description": (
            "Consecutive alerting chunks form episodes. performance_drop_covariate_shift: the estimated performance drops "
            "and corroborated input drift lies in or next to the episode; features are ranked by the correlation of their "
            "drift with the drop, and those tracking it less than half as well as the best are listed as bystanders. "
            "concept_drift: realized performance falls outside the estimate's confidence band (where the estimate itself "
            "dropped, by more than the estimated drop); the features whose relationship with the target changed are found "
            "with a chi-squared test on the model's residuals binned along each feature, after removing the shift all bins "
            "share, conditional on the features already named (forward selection over an additive model of the bins' "
            "changes), its scale calibrated on reference blocks as large as the tested rows, Benjamini-Hochberg over the "
            "features. data_quality: missing-value or unseen-category alerts; drift of those features in those chunks is set "
            "aside as a possible artefact. prediction_drift: the model's outputs move with no input drift within a chunk; "
            "where the target's distribution held too, a realized drop there is theirs, not concept drift. "
            "covariate_shift_no_impact: corroborated input drift while estimated and realized performance hold. "
            "business_value_drop: the value falls below its threshold; money at stake is the value lost against the "
            "reference rate per row over the affected chunks. no_issue: none of the above."
        ),
    },
)


@dataclass
class Resolution:
    """What the report shows in its summary and issue-resolution section (plain data)."""

    diagnoses: list[Diagnosis[Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    method_notes: list[dict[str, Any]] = field(default_factory=lambda: list(METHOD_NOTES))

    def to_dict(self) -> dict[str, Any]:
        """The results.json blocks (diagnoses as their records)."""
        return {
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "recommendations": self.recommendations,
            "summary": self.summary,
        }

    @property
    def codes(self) -> list[str]:
        """The diagnosis codes, most severe first."""
        return [d.code for d in self.diagnoses]


def resolve(
    results: pd.DataFrame,
    chunks: list[dict],
    config: Config,
    *,
    ranking: pd.DataFrame | None = None,
    baseline: dict | None = None,
    data: Any = None,
    residuals: Any = None,
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
    residuals:
        Optional ResidualProfile, the residual_bins step's artifact: the attribution reads it instead
        of the rows of `data` (a streamed run holds no rows).
    """
    chunk_dicts = [c.to_dict() if hasattr(c, "to_dict") else dict(c) for c in chunks]
    ev = Evidence(results, chunk_dicts, config, ranking=ranking, data=data, residuals=residuals)
    diagnoses = run_rules(ev)
    recommendations = recommend(diagnoses, ev)
    summary = build_summary(ev, diagnoses, recommendations)
    if baseline is not None:
        summary["comparison"], diagnoses = compare(ev, diagnoses, summary["headline"], baseline, config)
    return Resolution(diagnoses=diagnoses, recommendations=recommendations, summary=summary)
