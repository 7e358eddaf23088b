"""What the diagnosis rules share: the codes, the run context, building blocks, and running them.

The rules themselves live one module per code in reportgen.resolution.diagnoses, run in the order
declared there. Each rule reads the Evidence (corroborated alerts on the analysis timeline) and the diagnoses the
earlier rules made, and returns Diagnosis objects (reportgen.resolution.diagnosis).
Codes are a results.json contract (README "results.json"): extend, never rename.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from reportgen.resolution.alerts import BRIDGE_PER_CHUNKS, Alert, steady_columns
from reportgen.resolution.diagnosis import Detail, Diagnosis, MetricNumbers, Severity
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.text import (
    direction_word,
    fmt_money,
    fmt_percent,
    fmt_value,
    higher_is_better,
    metric_label,
    movement_verb,
    span_text,
)

CODES = (
    "performance_drop_covariate_shift",
    "concept_drift",
    "business_value_drop",
    "data_quality",
    "prediction_drift",
    "covariate_shift_no_impact",
    "no_issue",
)
SEVERITY_RANK = {"alert": 2, "warning": 1, "info": 0}
MAX_EVIDENCE = 60
# findings whose chunks lose value because of them; the others carry money only when they hurt
MONEY_CODES = ("performance_drop_covariate_shift", "concept_drift", "business_value_drop")
D = TypeVar("D", bound=Detail)


@dataclass
class Context:
    """What the rules share: the evidence and the diagnoses made so far."""

    ev: Evidence
    diagnoses: list[Diagnosis[Any]] = field(default_factory=list)

    def positions_of(self, *codes: str) -> set[int]:
        pos: set[int] = set()
        for d in self.diagnoses:
            if d.code in codes:
                pos |= set(self.ev.positions(d.chunks))
        return pos

    def replace(self, old: Diagnosis[Any], new: Diagnosis[Any]) -> None:
        """Put `new` where `old` (made by an earlier rule) stands."""
        self.diagnoses[next(i for i, d in enumerate(self.diagnoses) if d is old)] = new


Rule = Callable[[Context], list[Diagnosis[Any]]]


def sort_diagnoses(diagnoses: list[Diagnosis[Any]]) -> list[Diagnosis[Any]]:
    code_rank = {c: i for i, c in enumerate(CODES)}
    return sorted(
        diagnoses,
        key=lambda d: (
            -SEVERITY_RANK[d.severity],
            d.code != "no_issue",
            -(d.value_at_stake or 0.0),
            code_rank.get(d.code, 99),
            d.chunks[:1] or (-1,),
            d.title,
        ),
    )


# ---------------------------------------------------------------------------- building blocks
def diagnosis(
    ctx: Context,
    code: str,
    severity: Severity,
    title: str,
    summary: str,
    positions: Iterable[int],
    features: Iterable[str],
    alerts: Iterable[Alert],
    actions: Iterable[str],
    confidence: float,
    detail: D,
    *,
    money: bool = False,
) -> Diagnosis[D]:
    """One diagnosis with chunk indices and keys, evidence records (capped) and money at stake
    (always for MONEY_CODES, for the others when `money`: when they hurt)."""
    ev = ctx.ev
    positions = sorted(set(positions))
    chunks = ev.chunk_indices(positions)
    records = [
        a.record
        for a in sorted(alerts, key=lambda a: (-_finite(a.z), a.pos, a.step, a.method or "", a.metric, a.column or ""))
    ]
    return Diagnosis(
        code=code,
        severity=severity,
        title=title,
        summary=summary,
        chunks=tuple(chunks),
        chunk_keys=tuple(ev.chunk_keys(positions)),
        features=tuple(features),
        evidence=tuple(records[:MAX_EVIDENCE]),
        evidence_count=len(records),
        actions=tuple(actions),
        confidence=round(float(confidence), 2),
        value_at_stake=ev.money_at_stake(chunks) if code in MONEY_CODES or money else None,
        currency=ev.currency,
        detail=detail,
    )


def _finite(z: float) -> float:
    return z if math.isfinite(z) else 0.0


def span(ev: Evidence, positions: list[int]) -> str:
    """Plain words for a run of analysis chunks: 'over the last three weeks (2024-03 to 2024-05)'."""
    positions = sorted(set(positions))
    if not positions:
        return ""
    labels = ev.chunk_labels(positions)
    ends_at_last = positions[-1] == len(ev.analysis) - 1
    text = span_text(labels, len(ev.analysis), ends_at_last, ev.config.chunking.period)
    if len(positions) > 1 and "from" not in text:
        text += f" ({labels[0]} to {labels[-1]})"
    elif len(positions) == 1 and not text.startswith("in "):
        text += f" ({labels[0]})"
    return text


def bridge(ev: Evidence) -> int:
    """Quiet chunks an episode may span: none up to 29 analysis chunks, one per 30 beyond."""
    return len(ev.analysis) // BRIDGE_PER_CHUNKS


def lasting(ev: Evidence, run: list[int]) -> bool:
    """Long enough to be more than chance among many chunks: with 30+ analysis chunks (daily or
    weekly runs over months) thousands of feature-chunk cells are tested, and a drift episode of
    fewer alerting chunks than one per 30 (at least two) is reported as info, not as a warning."""
    b = bridge(ev)
    return b == 0 or len(run) >= max(2, b)


def windowed(positions: list[int], n: int, pad: int = 1) -> set[int]:
    return {p + d for p in positions for d in range(-pad, pad + 1) if 0 <= p + d < n}


def metric_window(ev: Evidence, step: str, metric: str, positions: list[int]) -> dict[str, float] | None:
    """Mean and worst value of a metric over chunks, with its reference level."""
    f = ev.performance_series(step, metric)
    idx = set(ev.chunk_indices(positions))
    vals = np.array(
        [v for i, v in zip(f["chunk_index"], f["value"]) if int(i) in idx and math.isfinite(v)], dtype=float
    )
    ref = ev.reference_level(metric, step)
    if vals.size == 0 or ref is None:
        return None
    worst = float(vals.min() if higher_is_better(metric) else vals.max())
    mean = float(vals.mean())
    change = mean - ref
    return {
        "reference": ref,
        "value": mean,
        "worst": worst,
        "change": change,
        "relative_change": change / abs(ref) if ref else float("nan"),
    }


def rank_features(ev: Evidence, features: list[str], positions: Iterable[int]) -> tuple[list[str], dict[str, float]]:
    """Drifted features ordered by how well their drift tracks the drop, then by alert count."""
    counts = ev.alert_counts(ev.alerts_in(ev.drift_alerts, positions))
    corr = ev.tracking(features)
    ordered = sorted(features, key=lambda f: (-round(corr.get(f, 0.0), 6), -counts.get(f, 0), f))
    return ordered, corr


def split_causes(ranked: list[str], corr: dict[str, float], *, clear: float = 0.5) -> tuple[list[str], list[str]]:
    """Causes and bystanders: when the best feature's drift clearly tracks the drop (r >= 0.5), features
    tracking it less than half as well drifted for another reason (a shift that does not hurt)."""
    if not ranked or corr.get(ranked[0], 0.0) < clear:
        return ranked, []
    bar = corr[ranked[0]] / 2
    return [f for f in ranked if corr.get(f, 0.0) >= bar], [f for f in ranked if corr.get(f, 0.0) < bar]


def rank_by_alerts(ev: Evidence, alerts: list[Alert], run: list[int] | None = None) -> list[str]:
    """Columns by alert count, then strength. Given the episode `run`, only columns alerting steadily
    over it (`steady_columns`): a stray alert does not join a long episode's feature list."""
    if run is not None:
        steady = steady_columns(alerts, len(run))
        alerts = [a for a in alerts if a.column is None or a.column in steady]
    counts = ev.alert_counts(alerts)
    strength: dict[str, float] = {}
    for a in alerts:
        if a.column is not None:
            strength[a.column] = max(strength.get(a.column, 0.0), _finite(a.z))
    return sorted(counts, key=lambda f: (-counts[f], -strength.get(f, 0.0), f))


def money_clause(ev: Evidence, value: float | None) -> str:
    return f" About {fmt_money(value, ev.currency)} of value is at stake against the reference rate." if value else ""


# ----------------------------------------------------------------------------------- rules
def perf_phrase(prefix: str, metric: str, stats: dict[str, float]) -> str:
    verb = movement_verb(stats["change"])
    return f"{prefix} {metric_label(metric)} {verb} from {fmt_value(stats['reference'])} to {fmt_value(stats['value'])} ({fmt_percent(stats['relative_change'])}, {direction_word(stats['change'], metric)})"


def metric_numbers(stats: dict[str, float] | None, realized: dict[str, float] | None = None) -> MetricNumbers:
    """The finite numbers of a metric window (metric_window), with the realized mean and worst when given."""
    out: dict[str, float] = {}
    if stats:
        out.update({k: round(v, 6) for k, v in stats.items() if math.isfinite(v)})
    if realized:
        out["realized"] = round(realized["value"], 6)
        out["realized_worst"] = round(realized["worst"], 6)
    return MetricNumbers(**out)


def chunk_range(group: list[Diagnosis[Any]]) -> str:
    """The first and last chunk key of a group of diagnoses: '2024-03 to 2024-05'."""
    keys = [k for d in group for k in d.chunk_keys]
    if not keys:
        return ""
    return keys[0] if len(keys) == 1 else f"{keys[0]} to {keys[-1]}"


def money_note(group: list[Diagnosis[Any]], ev: Evidence) -> str:
    money = sum(d.value_at_stake or 0 for d in group)
    return f" About {fmt_money(money, ev.currency)} of value is at stake." if money else ""


def money_phrase(d: Diagnosis[Any], ev: Evidence) -> str:
    money = d.value_at_stake
    return f"; expect about {fmt_money(money, ev.currency)} less value than at the reference rate" if money else ""
