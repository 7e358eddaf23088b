"""Alerts on the analysis timeline and how they are corroborated: the building blocks of Evidence.

Every alert becomes an `Alert` carrying how far it went beyond its threshold (`z`: 0 at the
reference mean, 1 at the threshold). `corroborate` judges cells (a feature, metric or method in one
chunk), `episodes` groups chunks into runs, `steady_columns` keeps the columns an episode rests on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reportgen.config import Config

STRONG_Z = 2.0
RUN_LENGTH = 3  # consecutive alerting chunks that corroborate each other whatever their size
# metrics that are monotone transforms of each other count as one piece of evidence
METRIC_GROUPS = {"rmse": "mse", "rmsle": "msle"}
FRAGILE_METRICS = frozenset({"mape", "msle", "rmsle"})


def metric_group(alert: Alert) -> str:
    return METRIC_GROUPS.get(alert.metric, alert.metric)


PERFORMANCE_STEPS = ("estimated_performance", "realized_performance")
CONTROL_METRICS = ("business_value",)


@dataclass(frozen=True)
class Alert:
    """One alerting (or diverging) result record, placed on the analysis timeline."""

    step: str
    method: str | None
    metric: str
    column: str | None
    chunk_index: int
    pos: int
    z: float
    side: str = "worse"
    record: dict = field(default_factory=dict, compare=False, hash=False, repr=False)


def exceedance(value: float, lower: float | None, upper: float | None, ref_mean: float | None, metric: str) -> float:
    """How far a value sits towards / beyond its threshold: 0 at the reference mean, 1 at the threshold."""
    if value is None or not math.isfinite(value):
        return float("nan")
    if metric == "p_value":
        if lower is None or not (0 < lower < 1):
            return float("nan")
        return math.log10(max(value, 1e-300)) / math.log10(lower)
    m = ref_mean if ref_mean is not None and math.isfinite(ref_mean) else None
    if (
        upper is not None
        and math.isfinite(upper)
        and (lower is None or not math.isfinite(lower) or value >= (lower + upper) / 2)
    ):
        if m is not None and upper > m:
            return (value - m) / (upper - m)
        return 1.0 + (value - upper) / max(abs(upper), 1e-12)
    if lower is not None and math.isfinite(lower):
        if m is not None and lower < m:
            return (m - value) / (m - lower)
        return 1.0 + (lower - value) / max(abs(lower), 1e-12)
    return float("nan")


def corroborate(
    alerts: list[Alert],
    group: Callable[[Alert], Hashable],
    *,
    min_groups: int = 3,
    support: Iterable[int] = (),
    strong: float = STRONG_Z,
    strong_groups: set | None = None,
    count_z: float = 1.5,
    run_length: int = RUN_LENGTH,
) -> tuple[list[Alert], list[Alert]]:
    """Split alerts into (corroborated, isolated), judging each cell (group, chunk) as a whole.

    A cell is corroborated when one of its alerts is `strong` (the value at least twice as far from
    the reference as the threshold), the same group alerts in an adjacent chunk, the chunk is in
    `support` (e.g. a multivariate alert), or at least `min_groups` groups alert in the same chunk.
    `strong_groups`, when given, limits corroboration by strength alone to those groups (heavy-tailed
    metrics such as MSLE can jump far in one chunk by chance).
    A cell in a run of `run_length` or more consecutive alerting chunks of its group is corroborated
    whatever its size: by chance, one 3-sigma threshold is crossed in about 1 chunk in 700, three
    chunks in a row practically never (a modest but lasting drop is a drop).
    Several methods on one feature, or several metrics computed from one confusion matrix, are
    strongly correlated: agreeing with each other is not corroboration, hence the cell.
    """
    support = set(support)
    cells: dict[tuple[Hashable, int], list[Alert]] = defaultdict(list)
    for a in alerts:
        cells[(group(a), a.pos)].append(a)
    peak = {key: max((a.z for a in members if math.isfinite(a.z)), default=0.0) for key, members in cells.items()}
    clear = {key for key, z in peak.items() if z >= count_z}
    clear_in_chunk: dict[int, int] = defaultdict(int)
    for _g, pos in clear:
        clear_in_chunk[pos] += 1
    backed_cells = set()
    for (g, pos), _members in cells.items():
        if (
            ((strong_groups is None or g in strong_groups) and peak[(g, pos)] >= strong)
            or pos in support
            or _in_long_run(cells, g, pos, run_length)
            or (
                (g, pos) in clear
                and ((g, pos - 1) in clear or (g, pos + 1) in clear or clear_in_chunk[pos] >= min_groups)
            )
        ):
            backed_cells.add((g, pos))
    good = [a for a in alerts if (group(a), a.pos) in backed_cells]
    isolated = [a for a in alerts if (group(a), a.pos) not in backed_cells]
    return good, isolated


def _in_long_run(cells: Mapping[tuple[Hashable, int], object], group: Hashable, pos: int, length: int) -> bool:
    """Whether chunk `pos` sits in a run of at least `length` consecutive chunks where `group` alerts."""
    first = last = pos
    while (group, first - 1) in cells:
        first -= 1
    while (group, last + 1) in cells:
        last += 1
    return last - first + 1 >= length


BRIDGE_PER_CHUNKS = 30  # one quiet chunk may sit inside an episode per this many analysis chunks


def steady_columns(alerts: Iterable[Alert], n_chunks: int) -> set[str]:
    """Columns of these alerts, leaving out those alerting in too few of an episode's `n_chunks`:
    from five chunks on, a column must alert in max(2, a tenth of them). The tail of a neighbouring
    shift caught in a straddling chunk (a week half in April) is not this episode's cause. When no
    column qualifies, all are kept."""
    chunks: dict[str, set[int]] = defaultdict(set)
    for a in alerts:
        if a.column is not None:
            chunks[a.column].add(a.pos)
    need = 1 if n_chunks < 5 else max(2, n_chunks // 10)
    steady = {c for c, ps in chunks.items() if len(ps) >= need}
    return steady or set(chunks)


def episodes(positions: Iterable[int], max_gap: int = 0) -> list[list[int]]:
    """Group analysis positions into runs of consecutive chunks: [1, 2, 3, 7] -> [[1, 2, 3], [7]].

    With `max_gap`, up to that many quiet chunks between two alerting ones do not end a run (with
    daily chunks of a hundred rows a two-month problem alerts on most days, not on every one):
    [1, 2, 4, 5] with max_gap 1 -> [[1, 2, 4, 5]].
    """
    runs: list[list[int]] = []
    for p in sorted(set(positions)):
        if runs and p <= runs[-1][-1] + 1 + max_gap:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def output_columns(config: Config) -> dict[str, str]:
    """{column name: role} for the model outputs monitored beside the features."""
    cols = config.columns
    roles: dict[str, str] = {cols.prediction: "prediction"}
    proba = cols.predicted_probability
    if isinstance(proba, str):
        roles[proba] = "probability"
    elif isinstance(proba, dict):
        for name in proba.values():
            roles[str(name)] = "probability"
    if cols.target:
        roles[cols.target] = "target"
    return roles


def finite_or_none(v: Any) -> float | None:
    """A record field as a finite float, None when missing or not finite."""
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
