"""Drift and support evidence: corroborated input drift, drift scores, and where inputs left the reference's support.

A mixin of `Evidence` (reportgen.resolution.evidence), which prepares the frame, alerts and chunk maps it reads.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.dataset import MonitoringData
from reportgen.resolution.alerts import STRONG_Z, Alert, corroborate, exceedance, finite_or_none
from reportgen.resolution.support import JOINT, support_shares


class DriftEvidence:
    """Drift corroboration, scores and tracking; support and extrapolation queries (see the module docstring)."""

    # prepared by Evidence (the one subclass) before these methods run
    analysis: list[dict[str, Any]]
    pos_of: dict[int, int]
    outputs: dict[str, str]
    frame: pd.DataFrame
    ranking: pd.DataFrame | None
    data: MonitoringData | None
    has_estimate: bool
    real_drop_pos: list[int]
    concept_pos: list[int]
    diverge_alerts: list[Alert]
    dq_pairs: set[tuple[str | None, int]]
    dq_pos: list[int]

    if TYPE_CHECKING:

        def select(self, step: str, *, method: str | None = None, metric: str | None = None) -> pd.DataFrame: ...

        def _alerts(self, frame: pd.DataFrame) -> list[Alert]: ...

        def drop_series(self) -> dict[int, float]: ...

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
            exceedance(v, finite_or_none(lo), finite_or_none(hi), finite_or_none(m), metric)
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
