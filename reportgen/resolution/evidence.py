"""Evidence: the signals the diagnosis rules reason over, extracted once from the Result table.

Every alert becomes an `Alert` carrying how far it went beyond its threshold (`z`: 0 at the
reference mean, 1 at the threshold, 2 when the value is twice as far from the reference as the
threshold). Alerts are then *corroborated* (issue 8, item 3) per cell — a feature, metric or
multivariate method in one chunk — because methods on one feature and metrics of one confusion matrix
move together and cannot back each other: a cell counts when it is far out (strong), persists into an
adjacent chunk, or is backed by other independent evidence in its chunk (see `corroborate` and
`Evidence._corroborate_drift`). An isolated alert — one method, one chunk, one feature, nothing
multivariate — is reported as `info`, never shouted. Ratio and log errors (MAPE, MSLE) back a
performance finding but never make one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reportgen.config import METRICS_BY_PROBLEM, Config
from reportgen.resolution.support import JOINT, support_shares
from reportgen.resolution.text import higher_is_better
from reportgen.results import to_records

STRONG_Z = 2.0
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
) -> tuple[list[Alert], list[Alert]]:
    """Split alerts into (corroborated, isolated), judging each cell (group, chunk) as a whole.

    A cell is corroborated when one of its alerts is `strong` (the value at least twice as far from
    the reference as the threshold), the same group alerts in an adjacent chunk, the chunk is in
    `support` (e.g. a multivariate alert), or at least `min_groups` groups alert in the same chunk.
    `strong_groups`, when given, limits corroboration by strength alone to those groups (heavy-tailed
    metrics such as MSLE can jump far in one chunk by chance).
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
            or (
                (g, pos) in clear
                and ((g, pos - 1) in clear or (g, pos + 1) in clear or clear_in_chunk[pos] >= min_groups)
            )
        ):
            backed_cells.add((g, pos))
    good = [a for a in alerts if (group(a), a.pos) in backed_cells]
    isolated = [a for a in alerts if (group(a), a.pos) not in backed_cells]
    return good, isolated


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


class Evidence:
    """Signals extracted once from the results: alerts per step, corroboration, series, money.

    Parameters
    ----------
    results:
        The tidy Result table (reportgen.results schema).
    chunks:
        The results.json `chunks` list.
    config:
        The run's Config (problem type, output columns, business-value currency).
    ranking:
        Optional feature ranking from reportgen.drift.ranking (its correlation column is used when present).
    data:
        Optional MonitoringData of the run: lets concept drift name the features whose link with the
        target changed (reportgen.resolution.attribution).
    """

    def __init__(
        self,
        results: pd.DataFrame,
        chunks: list[dict],
        config: Config,
        ranking: pd.DataFrame | None = None,
        data: Any = None,
    ) -> None:
        self.config = config
        self.data = data
        self.results = results
        self.ranking = ranking
        self.chunks = sorted(chunks, key=lambda c: int(c["index"]))
        self.chunk_by_index = {int(c["index"]): c for c in self.chunks}
        self.analysis = [c for c in self.chunks if c.get("period") == "analysis"]
        self.reference_chunks = [c for c in self.chunks if c.get("period") == "reference"]
        self.pos_of = {int(c["index"]): i for i, c in enumerate(self.analysis)}
        self.outputs = output_columns(config)
        self.currency = config.business_value.currency if config.business_value else "EUR"
        self._prepare_frame()
        self._quality()
        self._drift()
        self._performance()
        self._business_value()
        self._without_estimate()
        self._extrapolation()

    # ------------------------------------------------------------------ helpers
    def _prepare_frame(self) -> None:
        r = self.results
        if len(r) == 0:
            self.frame = r.assign(ref_mean=pd.Series(dtype=float))
            self.steps_present: set[str] = set()
            return
        ref = r[r["period"] == "reference"]
        key = ["step", "method", "metric", "column"]
        filled = ref[key].fillna("\x00")
        means = ref.assign(**{k: filled[k] for k in key}).groupby(key, sort=True)["value"].mean().rename("ref_mean")
        frame = r.copy()
        for k in key:
            frame[f"_{k}"] = frame[k].fillna("\x00")
        frame = frame.merge(means, left_on=[f"_{k}" for k in key], right_index=True, how="left")
        self.frame = frame.drop(columns=[f"_{k}" for k in key])
        self.steps_present = set(r["step"].unique())

    def positions(self, chunk_indices: Iterable[int]) -> list[int]:
        return sorted(self.pos_of[i] for i in chunk_indices if i in self.pos_of)

    def chunk_indices(self, positions: Iterable[int]) -> list[int]:
        return [int(self.analysis[p]["index"]) for p in sorted(set(positions))]

    def chunk_keys(self, positions: Iterable[int]) -> list[str]:
        return [str(self.analysis[p]["key"]) for p in sorted(set(positions))]

    def chunk_labels(self, positions: Iterable[int]) -> list[str]:
        """Chunk names for sentences: the key, or dates for row-range keys ('[0:4999]') with timestamps."""
        chunks = [self.analysis[p] for p in sorted(set(positions))]
        labels = []
        for i, c in enumerate(chunks):
            key = str(c["key"])
            if key.startswith("[") and c.get("start_time"):
                t = (
                    c.get("end_time")
                    if i == len(chunks) - 1 and len(chunks) > 1 and c.get("end_time")
                    else c["start_time"]
                )
                key = str(t)[:10]
            labels.append(key)
        return labels

    def _alerts(self, frame: pd.DataFrame) -> list[Alert]:
        """Alerts (analysis period, alert true) of a slice of the frame, in a stable order."""
        hit = frame[(frame["period"] == "analysis") & frame["alert"].fillna(False).astype(bool)]
        return self._to_alerts(hit)

    def _to_alerts(self, hit: pd.DataFrame, z: np.ndarray | None = None, side: list[str] | None = None) -> list[Alert]:
        out = []
        records = to_records(hit[[c for c in self.results.columns]]) if len(hit) else []
        for i, (row, rec) in enumerate(zip(hit.itertuples(index=False), records)):
            idx = int(row.chunk_index)
            if idx not in self.pos_of:
                continue
            zz = (
                float(z[i])
                if z is not None
                else exceedance(
                    row.value, _opt(row.lower_threshold), _opt(row.upper_threshold), _opt(row.ref_mean), row.metric
                )
            )
            out.append(
                Alert(
                    row.step,
                    row.method,
                    row.metric,
                    row.column,
                    idx,
                    self.pos_of[idx],
                    zz,
                    side[i] if side else "worse",
                    rec,
                )
            )
        out.sort(key=lambda a: (a.pos, a.step, a.method or "", a.metric, a.column or ""))
        return out

    def select(self, step: str, *, method: str | None = None, metric: str | None = None) -> pd.DataFrame:
        f = self.frame
        if len(f) == 0:
            return f
        mask = f["step"] == step
        if method is not None:
            mask &= f["method"] == method
        if metric is not None:
            mask &= f["metric"] == metric
        return f[mask]

    # ------------------------------------------------------------- performance
    def _performance(self) -> None:
        order = list(self.config.performance.metrics or METRICS_BY_PROBLEM[self.config.problem_type])
        order = [m for m in order if m not in CONTROL_METRICS]
        est = self.select("estimated_performance")
        real = self.select("realized_performance")
        present = set(est["metric"]) | set(real["metric"]) if len(self.frame) else set()
        self.unreliable_metrics = [m for m in order if m in present and not self._reliable(m, est, real)]
        self.metrics = [m for m in order if m in present and m not in self.unreliable_metrics]
        self.primary_metric: str | None = self.metrics[0] if self.metrics else None
        self.est_method: str | None = (
            sorted(set(est["method"].dropna()))[0] if len(est) and est["method"].notna().any() else None
        )
        est = est[est["metric"].isin(self.metrics)]
        real = real[real["metric"].isin(self.metrics)]
        self.est_alerts_all = self._alerts(est)
        self.real_alerts_all = self._alerts(real)
        # metrics of one confusion matrix move together: half of them (two or three) must agree, and
        # only the primary metric may stand on the size of its deviation alone. Ratio and log errors
        # (MAPE, MSLE) explode on targets near zero: they back a finding, they never make one.
        self.robust_metrics = [m for m in self.metrics if m not in FRAGILE_METRICS] or list(self.metrics)
        n_groups = len({METRIC_GROUPS.get(m, m) for m in self.robust_metrics})
        self.min_metrics = max(2, min(3, math.ceil(n_groups / 2)))
        self.strong_metrics = (
            {METRIC_GROUPS.get(self.primary_metric, self.primary_metric)} if self.primary_metric else set()
        )
        self.est_alerts, self.est_isolated = self._corroborate_performance(self.est_alerts_all)
        self.real_alerts, self.real_isolated = self._corroborate_performance(self.real_alerts_all)
        self.est_drop_pos = sorted({a.pos for a in self.est_alerts})
        self.real_drop_pos = sorted({a.pos for a in self.real_alerts})
        self._divergence(est, real)

    def _corroborate_performance(self, alerts: list[Alert]) -> tuple[list[Alert], list[Alert]]:
        """Corroborate performance cells on the robust metrics; fragile metrics only join chunks they back."""
        robust = [a for a in alerts if a.metric in self.robust_metrics]
        good, isolated = corroborate(
            robust, metric_group, min_groups=self.min_metrics, strong_groups=self.strong_metrics
        )
        backed = {a.pos for a in good}
        for a in alerts:
            if a.metric not in self.robust_metrics:
                (good if a.pos in backed else isolated).append(a)
        key = lambda a: (a.pos, a.step, a.method or "", a.metric, a.column or "")  # noqa: E731
        return sorted(good, key=key), sorted(isolated, key=key)

    @staticmethod
    def _reliable(metric: str, est: pd.DataFrame, real: pd.DataFrame) -> bool:
        """A metric the reasoning can lean on: stable across reference chunks, estimate on the realized scale.

        MAPE on targets near zero, for example, jumps by orders of magnitude between chunks.
        """

        def ref_values(frame: pd.DataFrame) -> np.ndarray:
            v = frame[(frame["metric"] == metric) & (frame["period"] == "reference")]["value"].to_numpy(float)
            return v[np.isfinite(v)]

        r, e = ref_values(real), ref_values(est)
        base = r if r.size >= 2 else e
        if base.size >= 2 and base.std(ddof=1) > 0.5 * abs(base.mean()):
            return False
        return not (r.size >= 2 and e.size >= 1 and abs(e.mean() - r.mean()) > 3 * r.std(ddof=1) + 0.1 * abs(r.mean()))

    def _divergence(self, est: pd.DataFrame, real: pd.DataFrame) -> None:
        """Realized values outside the estimate's confidence band on the worse side (concept drift evidence).

        Where the estimate itself dropped (covariate shift), the realized value must also be further
        from the estimate than the estimate is from the reference: CBPE and DLE extrapolate there.
        """
        self.diverge_alerts: list[Alert] = []
        self.diverge_isolated: list[Alert] = []
        self.concept_pos: list[int] = []
        if len(est) == 0 or len(real) == 0:
            return
        key = ["metric", "chunk_index"]
        e = est[est["period"] == "analysis"][
            key + ["value", "sampling_error", "lower_confidence", "upper_confidence", "alert"]
        ]
        r = real[real["period"] == "analysis"]
        joined = r.merge(e, on=key, how="inner", suffixes=("", "_est"))
        if len(joined) == 0:
            return
        est_v = joined["value_est"].to_numpy(float)
        se = joined["sampling_error_est"].to_numpy(float)
        lo = joined["lower_confidence_est"].to_numpy(float)
        hi = joined["upper_confidence_est"].to_numpy(float)
        lo = np.where(np.isfinite(lo), lo, est_v - 3 * se)
        hi = np.where(np.isfinite(hi), hi, est_v + 3 * se)
        rv = joined["value"].to_numpy(float)
        hib = np.array([higher_is_better(m) for m in joined["metric"]], dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            below = rv < lo
            above = rv > hi
            half_lo = np.maximum(est_v - lo, 1e-12)
            half_hi = np.maximum(hi - est_v, 1e-12)
            z = np.where(below, (est_v - rv) / half_lo, np.where(above, (rv - est_v) / half_hi, 0.0))
        worse = np.where(hib, below, above)
        est_alert = joined["alert_est"].fillna(False).astype(bool).to_numpy()
        levels = {m: self.reference_level(m, "estimated_performance") for m in sorted(set(joined["metric"]))}
        ref_level = np.array([np.nan if levels[m] is None else levels[m] for m in joined["metric"]], dtype=float)
        with np.errstate(invalid="ignore"):
            beyond_drop = np.abs(rv - est_v) > np.abs(est_v - ref_level)
        flag = worse & (~est_alert | beyond_drop)
        hit = joined[flag]
        alerts = self._to_alerts(hit, z=z[flag], side=["worse"] * int(flag.sum()))
        self.diverge_alerts, self.diverge_isolated = self._corroborate_performance(alerts)
        # where the estimate itself dropped, a gap counts only when most metrics show it
        drop = set(self.est_drop_pos)
        per_chunk: dict[int, set] = defaultdict(set)
        for a in self.diverge_alerts:
            per_chunk[a.pos].add(a.metric)
        weak = {
            p
            for p, ms in per_chunk.items()
            if p in drop and len(ms & set(self.robust_metrics)) < math.ceil(len(self.robust_metrics) / 2)
        }
        self.diverge_isolated += [a for a in self.diverge_alerts if a.pos in weak]
        self.diverge_alerts = [a for a in self.diverge_alerts if a.pos not in weak]
        self.concept_pos = sorted({a.pos for a in self.diverge_alerts})

    def reference_mean(self, step: str, method: str | None, metric: str, column: str | None) -> float | None:
        """Mean over the reference chunks of one series, None when it has no finite reference value."""
        f = self.select(step, method=method, metric=metric)
        if column is not None and len(f):
            f = f[f["column"] == column]
        v = f[f["period"] == "reference"]["value"].to_numpy(float) if len(f) else np.array([])
        v = v[np.isfinite(v)]
        return float(v.mean()) if v.size else None

    def _without_estimate(self) -> None:
        """Runs without label-free estimation: realized drops stand in for the estimate's signals.

        A realized drop with input drift next to it is a covariate-shift drop; without input drift the
        model itself went wrong for these data (concept drift).
        """
        self.has_estimate = "estimated_performance" in self.steps_present
        if self.has_estimate or not self.real_alerts:
            return
        n = len(self.analysis)
        near_drift = {p + d for p in self.input_drift_pos for d in (-1, 0, 1) if 0 <= p + d < n}
        self.concept_pos = sorted({a.pos for a in self.real_alerts if a.pos not in near_drift})
        self.diverge_alerts = [a for a in self.real_alerts if a.pos in set(self.concept_pos)]

    def drop_signal(self) -> tuple[str, list[int], list[Alert]]:
        """(step, positions, alerts) of the performance drop: the estimate's, or realized without one.

        Realized drops where the shifted inputs left the reference's support join the estimate's:
        there the estimate extrapolates, and the drop is a covariate shift, not concept drift.
        """
        if self.has_estimate:
            extra = self.alerts_in(self.real_alerts + self.diverge_alerts, self.extrapolated_drop_pos)
            pos = sorted(set(self.est_drop_pos) | set(self.extrapolated_drop_pos))
            return "estimated_performance", pos, self.est_alerts + extra
        return "realized_performance", self.real_drop_pos, self.real_alerts

    # ------------------------------------------------------------- extrapolation
    def _extrapolation(self) -> None:
        """Chunks where drifting inputs left the reference's support (reportgen.resolution.support).

        There CBPE and DLE extrapolate: a realized drop the estimate misses is the shift's doing,
        not a changed concept. Records flagged `trust: false` by the estimator count the same way.
        """
        self.support = support_shares(self.data) if self.data is not None else None
        pos: set[int] = set()
        if self.support is not None:
            sup = self.support
            flagged = {f: sup.outside(f) for f in sup.shares if f != JOINT}
            for col, p in self.drift_pairs:
                idx = int(self.analysis[p]["index"])
                k = sup.chunk_indices.index(idx) if idx in sup.chunk_indices else None
                if k is None:
                    continue
                if (col in flagged and flagged[col][k]) or col in sup.broken.get(idx, []):
                    pos.add(p)
        pos |= self._untrusted_estimate_pos()
        self.extrapolating_pos = sorted(pos)
        drops = (set(self.real_drop_pos) | set(self.concept_pos)) if self.has_estimate else set()
        self.extrapolated_drop_pos = sorted(drops & pos)
        if self.extrapolated_drop_pos:
            self.concept_pos = [p for p in self.concept_pos if p not in pos]
            self.diverge_alerts = [a for a in self.diverge_alerts if a.pos not in pos]

    def _untrusted_estimate_pos(self) -> set[int]:
        """Chunks whose estimate records say they are not to be trusted (a `trust` field, when present)."""
        if "trust" not in self.frame.columns:
            return set()
        est = self.select("estimated_performance")
        est = est[est["period"] == "analysis"]
        bad = est["trust"].map(lambda t: t is False or (isinstance(t, str) and t.lower() in ("low", "false", "none")))
        return {
            self.pos_of[int(i)] for i in est.loc[bad.fillna(False).astype(bool), "chunk_index"] if int(i) in self.pos_of
        }

    def outside_support(self, positions: Iterable[int], features: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{feature: {share, chunks: {chunk key: share}}} over these chunks, for features (and the joint
        support) whose rows left the reference's support in at least one of them."""
        if self.support is None:
            return {}
        sup = self.support
        out: dict[str, dict[str, Any]] = {}
        for f in [*features, JOINT]:
            if f not in sup.shares:
                continue
            flags = sup.outside(f)
            per: dict[str, float] = {}
            hit = False
            for p in sorted(set(positions)):
                idx = int(self.analysis[p]["index"])
                if idx not in sup.chunk_indices:
                    continue
                k = sup.chunk_indices.index(idx)
                per[str(self.analysis[p]["key"])] = round(float(sup.shares[f][k]), 4)
                hit = hit or bool(flags[k])
            if hit:
                out[f] = {"share": round(float(np.mean(list(per.values()))), 4), "chunks": per}
        return out

    def integrity_suspects(self, broken: Iterable[str], moved: Iterable[str]) -> list[str]:
        """Drifting features that carry a broken relation: broken themselves, or correlated with a broken one."""
        if self.support is None:
            return []
        broken = set(broken)
        related = self.support.related
        return [f for f in moved if f in broken or any(f in related.get(b, ()) for b in broken)]

    def broken_relations(self, positions: Iterable[int]) -> dict[str, float]:
        """{feature: largest ratio of its PCA residual to the reference's} over these chunks, strongest first."""
        if self.support is None:
            return {}
        best: dict[str, float] = {}
        for p in set(positions):
            for f, r in self.support.broken_ratio.get(int(self.analysis[p]["index"]), {}).items():
                best[f] = max(best.get(f, 0.0), r)
        return {f: round(best[f], 2) for f in sorted(best, key=lambda f: (-best[f], f))}

    def performance_series(self, step: str, metric: str) -> pd.DataFrame:
        """One metric's per-chunk records of a performance step, with the reference mean."""
        f = self.select(step, metric=metric)
        return f.sort_values("chunk_index", kind="stable")

    def reference_level(self, metric: str, step: str = "realized_performance") -> float | None:
        """A metric's reference level: the mean of `step` over the reference chunks, else of the other step.

        Estimates are compared with the estimate's own reference level and realized values with the
        realized one, so a calibration gap between the two never reads as a change.
        """
        other = "estimated_performance" if step == "realized_performance" else "realized_performance"
        for source in (step, other):
            f = self.select(source, metric=metric)
            ref = f[f["period"] == "reference"]["value"].to_numpy(float)
            ref = ref[np.isfinite(ref)]
            if ref.size:
                return float(ref.mean())
        return None

    def drop_series(self) -> dict[int, float]:
        """Primary metric's degradation per chunk (positive = worse than reference), estimate first."""
        metric = self.primary_metric
        if metric is None:
            return {}
        for step in ("estimated_performance", "realized_performance"):
            f = self.select(step, metric=metric)
            if len(f) == 0:
                continue
            ref = self.reference_level(metric, step)
            if ref is None:
                continue
            sign = 1.0 if higher_is_better(metric) else -1.0
            return {int(i): sign * (ref - float(v)) for i, v in zip(f["chunk_index"], f["value"]) if math.isfinite(v)}
        return {}

    # ---------------------------------------------------------- business value
    def _business_value(self) -> None:
        bv = self.select("business_value", metric="business_value")
        if (
            self.config.business_value is not None
            and getattr(self.config.business_value, "normalize", "none") == "per_prediction"
            and len(bv)
        ):
            # values are per prediction: money at stake needs the chunk totals
            rows = {int(c["index"]): float(c.get("rows") or 0) for c in self.chunks}
            bv = bv.assign(
                value=bv["value"].to_numpy(float) * np.array([rows.get(int(i), 0.0) for i in bv["chunk_index"]])
            )
        self.bv_frame = bv
        self.bv_rate: float | None = None
        self.bv_rates: dict[str, float] = {}
        self.bv_noise = 0.0
        self.bv_methods = sorted(set(bv["method"].dropna())) if len(bv) else []
        support = set(self.est_drop_pos) | set(self.real_drop_pos)
        alerts = self._alerts(bv)
        self.bv_alerts, self.bv_isolated = corroborate(alerts, lambda a: "business_value", support=support)
        self.bv_pos = sorted({a.pos for a in self.bv_alerts})
        self._bv_loss = self._loss_per_chunk(bv)

    def _loss_per_chunk(self, bv: pd.DataFrame) -> dict[int, float]:
        """Money below the reference rate per analysis chunk (realized where known, else estimated)."""
        if len(bv) == 0:
            return {}
        rows = {int(c["index"]): int(c.get("rows") or 0) for c in self.chunks}
        methods = ["realized"] + [m for m in self.bv_methods if m != "realized"]
        rates: dict[str, float] = {}
        noise: dict[str, float] = {}
        for method in methods:
            ref = bv[(bv["method"] == method) & (bv["period"] == "reference")]
            vals = ref["value"].to_numpy(float)
            n = np.array([rows.get(int(i), 0) for i in ref["chunk_index"]], dtype=float)
            ok = np.isfinite(vals)
            if ok.any() and n[ok].sum() > 0:
                rates[method] = float(vals[ok].sum() / n[ok].sum())
                # noise level of one chunk's value: spread of the reference chunks around their expected value
                resid = vals[ok] - rates[method] * n[ok]
                noise[method] = float(resid.std(ddof=1)) if resid.size > 1 else 0.0
        if not rates:
            return {}
        fallback = next(m for m in methods if m in rates)
        self.bv_rates = rates
        self.bv_rate = rates[fallback]
        self.bv_noise = noise[fallback]
        loss: dict[int, float] = {}
        for method in reversed(methods):  # realized last, so it wins where present
            rate = rates.get(method, rates[fallback])  # each value against its own method's reference rate
            ana = bv[(bv["method"] == method) & (bv["period"] == "analysis")]
            for i, v in zip(ana["chunk_index"], ana["value"]):
                if math.isfinite(v):
                    loss[int(i)] = rate * rows.get(int(i), 0) - float(v)
        return loss

    def money_at_stake(self, chunk_indices: Iterable[int]) -> float | None:
        """Value lost against the reference rate over chunks (positive = loss), None without business value."""
        if not self._bv_loss:
            return None
        chunk_indices = [int(i) for i in chunk_indices]
        total = sum(self._bv_loss.get(i, 0.0) for i in chunk_indices)
        alerted = {a.chunk_index for a in self.bv_alerts + self.bv_isolated}
        beyond_noise = total > 2.0 * self.bv_noise * math.sqrt(max(len(chunk_indices), 1))
        return round(total, 2) if total > 0 and (beyond_noise or alerted & set(chunk_indices)) else None

    # -------------------------------------------------------------- data quality
    def _quality(self) -> None:
        dq = self.select("data_quality")
        alerts = self._alerts(dq)
        self.dq_alerts, self.dq_isolated = corroborate(alerts, lambda a: a.column)
        self.dq_pairs = {(a.column, a.pos) for a in self.dq_alerts}
        self.dq_pos = sorted({a.pos for a in self.dq_alerts})

    # --------------------------------------------------------------------- drift
    def _drift(self) -> None:
        uni = self.select("univariate_drift")
        mv = self.select("multivariate_drift")
        self.feature_columns = sorted(set(uni["column"].dropna()) - set(self.outputs)) if len(uni) else []
        uni_alerts = self._alerts(uni)
        feat_alerts = [a for a in uni_alerts if a.column not in self.outputs]
        out_alerts = [a for a in uni_alerts if a.column in self.outputs and self.outputs[a.column] != "target"]
        target_alerts = [a for a in uni_alerts if a.column in self.outputs and self.outputs[a.column] == "target"]
        mv_alerts_all = self._alerts(mv)
        self._drift_scores(uni)
        good, self.drift_isolated, self.mv_alerts, self.mv_isolated = self._corroborate_drift(
            feat_alerts, mv_alerts_all
        )
        self.artefacts = [a for a in good if (a.column, a.pos) in self.dq_pairs]
        self.drift_alerts = [a for a in good if (a.column, a.pos) not in self.dq_pairs]
        self.drift_pairs = {(a.column, a.pos) for a in self.drift_alerts}
        drift_pos = {a.pos for a in self.drift_alerts}
        # a multivariate alert in a data-quality chunk with no genuine univariate drift is an artefact too
        self.mv_artefacts = [a for a in self.mv_alerts if a.pos in set(self.dq_pos) and a.pos not in drift_pos]
        self.mv_alerts = [a for a in self.mv_alerts if a not in self.mv_artefacts]
        self.mv_pos = sorted({a.pos for a in self.mv_alerts})
        self.input_drift_pos = sorted(drift_pos | set(self.mv_pos))
        # the prediction and the probabilities are one signal: they corroborate nothing among themselves
        # and a model swap moves them far: mild, persistent output drift must clear 1.5 on average
        self.out_alerts, self.out_isolated, _, _ = self._corroborate_drift(out_alerts, [], crowd=False, agree=1.5)
        self.out_pos = sorted({a.pos for a in self.out_alerts})
        self.target_alerts, _ = corroborate(target_alerts, lambda a: "target", min_groups=2)
        self.target_pos = sorted({a.pos for a in self.target_alerts})

    def _corroborate_drift(
        self, feat: list[Alert], mv: list[Alert], *, crowd: bool = True, agree: float = 1.0
    ) -> tuple[list[Alert], list[Alert], list[Alert], list[Alert]]:
        """Corroborate univariate cells (feature, chunk) and multivariate cells (method, chunk) together.

        A feature cell is strong when its methods, on average, sit twice as far from the reference as
        their thresholds (mean exceedance over all its methods >= 2); a multivariate cell when its alert
        does. A weaker feature cell counts when its methods agree on average (mean exceedance >= 1) and
        an adjacent chunk of the same feature does too; or, in a chunk without any strong feature, when
        a strong multivariate alert or three such weaker features back it (a subtle, broad shift). A weaker multivariate cell counts when
        it clears 1.5 times its threshold and so does the other multivariate method in the chunk or the
        same method in an adjacent chunk, or a strong feature cell backs it. Noise alerts sit just above their thresholds, on one or two methods.
        """
        cells: dict[tuple[str, int], list[Alert]] = defaultdict(list)
        for a in feat:
            cells[(str(a.column), a.pos)].append(a)
        mv_cells: dict[tuple[str, int], list[Alert]] = defaultdict(list)
        for a in mv:
            mv_cells[(str(a.method), a.pos)].append(a)

        def strong(members: list[Alert]) -> bool:
            return any(math.isfinite(a.z) and a.z >= STRONG_Z for a in members)

        def mean_z(col: str, pos: int) -> float:
            return self.drift_score.get(col, {}).get(int(self.analysis[pos]["index"]), 0.0)

        def strong_cell(col: str, pos: int) -> bool:
            # PSI and chi-squared are heavy-tailed: one method far out is not enough, the methods' mean must be
            return (col, pos) in cells and mean_z(col, pos) >= STRONG_Z

        def agreed(col: str, pos: int) -> bool:
            return (col, pos) in cells and mean_z(col, pos) >= agree

        strong_feat_pos = {pos for (c, pos) in cells if strong_cell(c, pos)}
        strong_mv_pos = {pos for (m_, pos), m in mv_cells.items() if strong(m)}
        weak_agreed_per_pos: dict[int, int] = defaultdict(int)
        for col, pos in cells:
            weak_agreed_per_pos[pos] += agreed(col, pos) and not strong_cell(col, pos)
        ok_cells = set()
        for col, pos in cells:
            # a multivariate alert or a crowd of mild alerts backs a mild cell only when no strong feature
            # in the chunk already explains them (a subtle, broad shift); otherwise it must persist
            broad = pos not in strong_feat_pos and (pos in strong_mv_pos or (crowd and weak_agreed_per_pos[pos] >= 3))
            if (
                strong_cell(col, pos)
                or (agreed(col, pos) and (agreed(col, pos - 1) or agreed(col, pos + 1) or broad))
                or (broad and pos in strong_mv_pos)
            ):
                ok_cells.add((col, pos))
        ok_mv = set()
        for (method, pos), members in mv_cells.items():

            def clear(key: tuple[str, int]) -> bool:
                return key in mv_cells and max((a.z for a in mv_cells[key] if math.isfinite(a.z)), default=0.0) >= 1.5

            both = clear((method, pos)) and any(clear((m_, p)) for (m_, p) in mv_cells if p == pos and m_ != method)
            adjacent = clear((method, pos)) and (clear((method, pos - 1)) or clear((method, pos + 1)))
            if strong(members) or both or adjacent or pos in strong_feat_pos:
                ok_mv.add((method, pos))
        good = [a for a in feat if (str(a.column), a.pos) in ok_cells]
        isolated = [a for a in feat if (str(a.column), a.pos) not in ok_cells]
        mv_good = [a for a in mv if (str(a.method), a.pos) in ok_mv]
        mv_isolated = [a for a in mv if (str(a.method), a.pos) not in ok_mv]
        return good, isolated, mv_good, mv_isolated

    def _drift_scores(self, uni: pd.DataFrame) -> None:
        """Per feature and chunk: mean exceedance over the alerting methods (for tracking the drop)."""
        self.drift_score: dict[str, dict[int, float]] = {}
        if len(uni) == 0:
            return
        alerting = uni[uni["alert"].notna() & uni["column"].notna()]
        z = [
            exceedance(v, _opt(lo), _opt(hi), _opt(m), metric)
            for v, lo, hi, m, metric in zip(
                alerting["value"],
                alerting["lower_threshold"],
                alerting["upper_threshold"],
                alerting["ref_mean"],
                alerting["metric"],
            )
        ]
        tmp = pd.DataFrame(
            {
                "column": alerting["column"].to_numpy(),
                "chunk_index": alerting["chunk_index"].to_numpy(),
                "z": np.clip(np.asarray(z, dtype=float), -5, 50),
            }
        )
        means = tmp.groupby(["column", "chunk_index"], sort=True)["z"].mean()
        for (col, idx), val in means.items():
            if math.isfinite(val):
                self.drift_score.setdefault(str(col), {})[int(idx)] = float(val)

    def tracking(self, features: Iterable[str]) -> dict[str, float]:
        """How well each feature's drift tracks the performance drop: Pearson correlation over chunks.

        Uses the ranking's correlation when the drift ranking provides one (positive = drift with worse performance).
        """
        features = list(features)
        external = self._ranking_correlation()
        drop = self.drop_series()
        out: dict[str, float] = {}
        for f in features:
            if f in external:
                out[f] = external[f]
                continue
            score = self.drift_score.get(f, {})
            idx = sorted(set(score) & set(drop))
            if len(idx) < 3:
                out[f] = 0.0
                continue
            a = np.array([score[i] for i in idx])
            b = np.array([drop[i] for i in idx])
            if a.std() == 0 or b.std() == 0:
                out[f] = 0.0
            else:
                out[f] = float(np.corrcoef(a, b)[0, 1])
        return out

    def _ranking_correlation(self) -> dict[str, float]:
        r = self.ranking
        if r is None or len(r) == 0:
            return {}
        frame = r.reset_index() if "column" not in r.columns else r
        col = next((c for c in ("correlation", "performance_correlation", "corr") if c in frame.columns), None)
        if col is None or "column" not in frame.columns:
            return {}
        # signed: positive means the drift coincides with worse performance (reportgen.drift.ranking)
        return {
            str(c): float(v) for c, v in zip(frame["column"], frame[col]) if v is not None and math.isfinite(float(v))
        }

    # ------------------------------------------------------------------ queries
    def drift_features_in(self, positions: Iterable[int]) -> list[str]:
        """Features drifting in these chunks; over five or more chunks, only those drifting steadily
        (see `steady_columns`), unless none does."""
        pos = set(positions)
        return sorted(steady_columns([a for a in self.drift_alerts if a.pos in pos], len(pos)))

    def alerts_in(self, alerts: list[Alert], positions: Iterable[int]) -> list[Alert]:
        pos = set(positions)
        return [a for a in alerts if a.pos in pos]

    def alert_counts(self, alerts: Iterable[Alert]) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for a in alerts:
            if a.column is not None:
                counts[a.column] += 1
        return dict(counts)

    def isolated_alerts(self) -> list[Alert]:
        """Every alert left standing alone (reported as info)."""
        pools = (
            self.est_isolated,
            self.real_isolated,
            self.diverge_isolated,
            self.bv_isolated,
            self.dq_isolated,
            self.mv_isolated,
            self.drift_isolated,
            self.out_isolated,
        )
        return sorted(
            (a for pool in pools for a in pool), key=lambda a: (a.pos, a.step, a.method or "", a.metric, a.column or "")
        )


def _opt(v: Any) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
