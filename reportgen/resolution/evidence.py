"""Evidence: the signals the diagnosis rules reason over, extracted once from the Result table.

Every alert becomes an `Alert` carrying how far it went beyond its threshold (`z`: 0 at the
reference mean, 1 at the threshold, 2 when the value is twice as far from the reference as the
threshold). Alerts are then *corroborated* (resolution.METHOD_NOTES, "corroboration") per cell — a feature, metric or
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
from collections.abc import Iterable

import numpy as np
import pandas as pd

from reportgen.config import METRICS_BY_PROBLEM, Config
from reportgen.dataset import MonitoringData
from reportgen.resolution.alerts import (
    CONTROL_METRICS,
    FRAGILE_METRICS,
    METRIC_GROUPS,
    Alert,
    corroborate,
    exceedance,
    finite_or_none,
    metric_group,
    output_columns,
    steady_columns,
)
from reportgen.resolution.evidence_drift import DriftEvidence
from reportgen.resolution.residual_bins import ResidualProfile
from reportgen.resolution.residual_step import profile_of
from reportgen.resolution.text import higher_is_better
from reportgen.results import to_records


class Evidence(DriftEvidence):
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
    residuals:
        Optional ResidualProfile (the residual_bins step's artifact) the attribution reads; without it,
        it is computed from `data`.
    """

    def __init__(
        self,
        results: pd.DataFrame,
        chunks: list[dict],
        config: Config,
        ranking: pd.DataFrame | None = None,
        data: MonitoringData | None = None,
        residuals: ResidualProfile | None = None,
    ) -> None:
        self.config = config
        self.data = data
        self._residuals = residuals
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

    @property
    def residual_profile(self) -> ResidualProfile | None:
        """Residual moments per feature bin and chunk: the run's artifact, else computed once from `data`."""
        if self._residuals is None and self.data is not None:
            self._residuals = profile_of(self.data, self.config)
        return self._residuals

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
                    row.value,
                    finite_or_none(row.lower_threshold),
                    finite_or_none(row.upper_threshold),
                    finite_or_none(row.ref_mean),
                    row.metric,
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
