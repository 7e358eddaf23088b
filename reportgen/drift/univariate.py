"""The univariate_drift step: every applicable method on every monitored column and chunk.

Per column, fit builds one reference profile shared by the methods and the profile of the reference
chunks (scored leave-one-chunk-out: each against the reference without it); each analysis chunk is
reduced to small arrays (sizes, bucket counts, exact KS / W1, histogram counts) where its rows are;
finalize stacks them after the reference chunks and each method scores all of them in one call. Thresholds
default to `reference_quantile` (reportgen.drift.calibration): per method, column and chunk size,
the (1 - alpha) quantile of the scores of random same-size reference samples, each scored with
itself left out. `config.thresholds` overrides per step, method or metric; `drift.default_threshold:
method_default` restores each method's classic rule; `drift.false_discovery_rate: q` replaces the
per-test alerts by Benjamini-Hochberg over all columns x methods of a chunk.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config, ThresholdConfig
from reportgen.dataset import Column, Dataset
from reportgen.drift import calibration as cal
from reportgen.drift.methods import (
    UNIVARIATE_METHODS,
    CategoricalProfile,
    ChunkProfile,
    ContinuousProfile,
    Profile,
    UnivariateMethod,
    applicable_methods,
    bin_counts,
    categorical_chunks,
    continuous_chunks,
    make_profile,
    profile_with_chunks,
    remember_order_stats,
    sample_chunks,
)
from reportgen.errors import StepError
from reportgen.parallel import chunk_threads, column_threads
from reportgen.results import concat_results, make_results
from reportgen.steps import STEPS, Step
from reportgen.thresholds import THRESHOLDS, compute_thresholds, threshold_from_config

STEP = "univariate_drift"
DEFAULT_RULE = ThresholdConfig(type="reference_quantile", alpha=0.01)
CHUNK_ARRAYS = ("sizes", "counts", "ks", "w", "plot_counts")  # what a chunk's ChunkProfile holds besides the profile


@dataclass(eq=False)
class _ColumnState:
    """What fit learned about one column: its kind, role, profile and fitted methods."""

    name: str
    kind: str
    role: str
    profile: Profile
    methods: dict[str, UnivariateMethod]
    null_cache: dict = field(default_factory=dict)
    reference_chunks: ChunkProfile | None = None  # the reference's own chunks, each left out (from fit)


@dataclass(eq=False)
class _Block:
    """Records of one (method, metric, column) plus what Benjamini-Hochberg needs."""

    method: str
    metric: str
    column: str
    values: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    alert: np.ndarray | None  # object array of True / False / None, or None (no threshold)
    notes: np.ndarray
    p_values: np.ndarray | None = None
    nulls: list | None = None  # per chunk NullDistribution or None


@STEPS.register
class UnivariateDrift(Step):
    """Univariate drift of every feature and model output.

    Parameters
    ----------
    methods:
        Method names (registry keys); None means every method that applies to a column's kind.
    false_discovery_rate:
        When set, alerts come from Benjamini-Hochberg at this rate over columns x methods per chunk.
    default_threshold:
        "reference_quantile" (calibrated, default) or "method_default" (each method's classic rule).
    threads:
        Columns scored in parallel (numpy releases the GIL while sorting and searching); None: one
        per available CPU (up to 8). Results do not depend on it.
    """

    name = "univariate_drift"
    step = "univariate_drift"
    streams = True

    def __init__(
        self,
        methods: tuple[str, ...] | None = None,
        false_discovery_rate: float | None = None,
        default_threshold: str = "reference_quantile",
        threads: int | None = None,
    ) -> None:
        self.methods = methods
        self.false_discovery_rate = false_discovery_rate
        self.default_threshold = default_threshold
        self.threads = column_threads(threads)

    @classmethod
    def from_config(cls, config: Config) -> UnivariateDrift | None:
        """The step with the config's method selection, FDR and default threshold."""
        drift = config.drift
        if drift.univariate is not None and len(drift.univariate) == 0:
            return None
        return cls(
            drift.univariate, drift.false_discovery_rate, getattr(drift, "default_threshold", "reference_quantile")
        )

    # --- fit ------------------------------------------------------------------------------

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        names = tuple(self.methods) if self.methods is not None else None
        for n in names or ():
            UNIVARIATE_METHODS.get(n)  # unknown names fail with the accepted list
        self.config_ = config
        self.columns_: dict[str, _ColumnState] = {}
        columns = list(reference.monitored_columns().items())
        bounds = [(c.start_row, c.end_row) for c in reference_chunks]
        exact = any(UNIVARIATE_METHODS.get(m).needs == "sorted" for m in applicable_methods("continuous", names))

        def prepare(column: Column) -> tuple[Profile, ChunkProfile]:
            """The column's profile and its reference chunks (each left out); one argsort for KS / Wasserstein."""
            leave_out = np.ones(len(bounds), bool)
            if column.is_categorical or not exact:
                profile = make_profile(column)
                if isinstance(profile, CategoricalProfile):
                    return profile, categorical_chunks(profile, column.values, bounds, leave_out)
                return profile, continuous_chunks(profile, column.values, bounds, leave_out, exact=False)
            return profile_with_chunks(column.values, bounds)

        if self.threads and self.threads > 1 and len(columns) > 1:  # sorting the reference releases the GIL
            with ThreadPoolExecutor(max_workers=self.threads) as pool:
                prepared = list(pool.map(lambda item: prepare(item[1]), columns))
        else:
            prepared = [prepare(column) for _, column in columns]
        for (col_name, column), (profile, ref_chunks) in zip(columns, prepared):
            remember_order_stats(reference.memo, col_name, bounds, ref_chunks)  # for summary statistics
            methods = {m: UNIVARIATE_METHODS.get(m)().fit(profile) for m in applicable_methods(profile.kind, names)}
            if methods:
                self.columns_[col_name] = _ColumnState(
                    col_name, column.kind, column.role, profile, methods, reference_chunks=ref_chunks
                )
        self.positions_cache_: dict = {}
        self.notes_: dict[str, list[str]] = {}
        self.artifacts_: dict[str, Any] = {"distributions": {}}

    # --- run ------------------------------------------------------------------------------

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> dict[str, dict[str, np.ndarray] | None]:
        """Per column, the chunk's sizes, bucket counts, exact KS / W1 and histogram counts (None: absent)."""
        from threadpoolctl import threadpool_limits

        present = rows.monitored_columns()
        states = list(self.columns_.values())
        work = lambda state: self._column_stats(state, present.get(state.name), rows.memo)  # noqa: E731
        threads = chunk_threads(self.threads, rows.n_rows, len(states))
        if threads > 1:
            with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=threads) as pool:
                found = list(pool.map(work, states))
        else:
            found = [work(state) for state in states]
        return dict(zip(self.columns_, found))

    def _column_stats(
        self, state: _ColumnState, column: Column | None, memo: dict[Any, Any]
    ) -> dict[str, np.ndarray] | None:
        if column is None:
            return None
        try:
            bounds = [(0, column.values.size)]
            if isinstance(state.profile, CategoricalProfile):
                cp = categorical_chunks(state.profile, column.values, bounds, np.zeros(1, bool))
            else:
                exact = any(m.needs == "sorted" for m in state.methods.values())
                cp = continuous_chunks(state.profile, column.values, bounds, np.zeros(1, bool), exact=exact)
                remember_order_stats(memo, state.name, bounds, cp)  # summary statistics reads them
        except Exception as exc:  # name the column: the base class names the step
            raise StepError(f"step '{self.name}' failed on column '{state.name}': {type(exc).__name__}: {exc}") from exc
        return {key: getattr(cp, key) for key in CHUNK_ARRAYS if getattr(cp, key) is not None}

    def _finalize(self, stats: list[dict[str, dict[str, np.ndarray] | None]]) -> pd.DataFrame:
        states = list(self.columns_.values())
        outputs = [self._column(s, [chunk[s.name] for chunk in stats]) for s in states]
        blocks = [b for blocks, _ in outputs for b in blocks]
        self.artifacts_ = {"distributions": {s.name: art for s, (_, art) in zip(states, outputs)}}
        if self.false_discovery_rate:
            self._apply_fdr(blocks, float(self.false_discovery_rate))
        self._summarise_thresholds(blocks)
        self._drop_run_caches()
        return self._frame(blocks)

    def _drop_run_caches(self) -> None:
        """Null scores, reference samples and per-size templates of this run: a fitted step stays small
        (it is shipped to workers)."""
        self.positions_cache_ = {}
        for state in self.columns_.values():
            state.null_cache.clear()
            state.profile._sample_cache.clear()
            if isinstance(state.profile, ContinuousProfile):
                state.profile._templates.clear()

    def _frame(self, blocks: list[_Block]) -> pd.DataFrame:
        """One make_results call for every block (pandas work once, not per series)."""
        if not blocks:
            return concat_results([])
        chunks = self.reference_chunks_ + self.analysis_chunks_
        k = len(chunks)
        index = np.tile(np.array([c.index for c in chunks], dtype=np.int64), len(blocks))
        period = np.tile(np.array([c.period for c in chunks], dtype=object), len(blocks))
        none = np.full(k, None, dtype=object)
        return make_results(
            step=STEP,
            method=np.repeat(np.array([b.method for b in blocks], dtype=object), k),
            metric=np.repeat(np.array([b.metric for b in blocks], dtype=object), k),
            column=np.repeat(np.array([b.column for b in blocks], dtype=object), k),
            chunk_index=index,
            period=period,
            value=np.concatenate([b.values for b in blocks]),
            lower_threshold=np.concatenate([b.lower for b in blocks]),
            upper_threshold=np.concatenate([b.upper for b in blocks]),
            alert=np.concatenate([b.alert if b.alert is not None else none for b in blocks]),
            note=np.concatenate([b.notes for b in blocks]),
        )

    def _column(self, state: _ColumnState, stats: list[dict[str, np.ndarray] | None]) -> tuple[list[_Block], dict]:
        try:
            return self._score_column(state, stats)
        except Exception as exc:  # name the column: the base class names the step
            raise StepError(f"step '{self.name}' failed on column '{state.name}': {type(exc).__name__}: {exc}") from exc

    def _chunk_profile(
        self, state: _ColumnState, stats: list[dict[str, np.ndarray] | None]
    ) -> tuple[ChunkProfile, np.ndarray]:
        """The reference chunks (each left out) then the analysis chunks, and a per-chunk 'column absent' mask."""
        ref_cp = state.reference_chunks
        assert ref_cp is not None
        k_ref = ref_cp.n_chunks
        absent = np.array([False] * k_ref + [s is None for s in stats])
        leave_out = np.array([True] * k_ref + [False] * len(stats))
        parts = {key: [getattr(ref_cp, key)] for key in CHUNK_ARRAYS if getattr(ref_cp, key) is not None}
        for found in stats:
            for key, part in parts.items():
                part.append(found[key] if found is not None else np.zeros((1, *part[0].shape[1:]), part[0].dtype))
        joined = {key: np.concatenate(part) for key, part in parts.items()}
        return ChunkProfile(state.profile, leave_out=leave_out, **joined), absent

    def _score_column(
        self, state: _ColumnState, stats: list[dict[str, np.ndarray] | None]
    ) -> tuple[list[_Block], dict]:
        cp, absent = self._chunk_profile(state, stats)
        base_notes = self._nan_notes(state, cp, absent)
        blocks = []
        for mname, method in state.methods.items():
            scores = method.score(cp, skip_p_values=False)
            fallback = np.zeros(cp.n_chunks, bool)  # chunks too large to calibrate on samples
            for metric in method.metrics:
                values = scores[metric]
                rule = self._rule(method, metric)
                lower = np.full(values.size, np.nan)
                upper = np.full(values.size, np.nan)
                notes = np.array(base_notes, dtype=object)
                nulls: list = [None] * values.size
                p_values = None
                if rule is not None:
                    p_values = self._thresholds(
                        state, method, metric, rule, cp, values, lower, upper, notes, nulls, fallback
                    )
                elif fallback.any() and metric in method.default_threshold:
                    # the classic rule of the method lives on this metric (chi2: p-value)
                    rule = method.default_threshold[metric]
                    lo, hi = compute_thresholds(
                        values[cp.leave_out],
                        threshold_from_config(rule),
                        direction=method.direction[metric],
                        value_range=method.value_range[metric],
                    )
                    lower[fallback] = np.nan if lo is None else lo
                    upper[fallback] = np.nan if hi is None else hi
                has_bound = np.isfinite(lower) | np.isfinite(upper)
                with np.errstate(invalid="ignore"):
                    alert = (values < np.where(np.isnan(lower), -np.inf, lower)) | (
                        values > np.where(np.isnan(upper), np.inf, upper)
                    )
                alert &= np.isfinite(values) | np.isinf(values)
                alert_col = (
                    np.where(has_bound, alert, None).astype(object)  # type: ignore[call-overload]  # numpy stubs refuse None as a where() branch
                    if rule is not None
                    else None
                )
                for c in np.flatnonzero(alert & has_bound):
                    if nulls[c] is not None and notes[c] is None:
                        notes[c] = nulls[c].describe(values[c])
                fallback_note = method.fallback_note() if metric == method.metric else None
                if fallback_note:
                    for c in np.flatnonzero(np.isfinite(values)):
                        notes[c] = f"{notes[c]}; {fallback_note}" if notes[c] else fallback_note
                p_keep = p_values if metric == method.metric else None
                blocks.append(_Block(mname, metric, state.name, values, lower, upper, alert_col, notes, p_keep, nulls))
        return blocks, self._distribution(state, cp)

    def _nan_notes(self, state: _ColumnState, cp: ChunkProfile, absent: np.ndarray) -> list[str | None]:
        """Why a chunk has no value (absent column, no targets, all missing, nothing left to compare)."""
        notes: list[str | None] = []
        for c in range(cp.n_chunks):
            if state.profile.n == 0:
                notes.append("the reference has no non-missing values for this column")
            elif absent[c]:
                notes.append(
                    "no targets in the analysis data"
                    if state.role == "target"
                    else "column absent from the analysis data"
                )
            elif cp.sizes[c] == 0:
                notes.append(
                    "no targets in this chunk" if state.role == "target" else "no non-missing values in this chunk"
                )
            elif cp.ref_sizes[c] <= 0:
                notes.append("the reference is this one chunk: nothing left to compare it with")
            else:
                notes.append(None)
        return notes

    # --- thresholds -----------------------------------------------------------------------

    def _rule(self, method: UnivariateMethod, metric: str) -> ThresholdConfig | None:
        """The configured rule, else the default: calibrated on the alerting metric, or the classic one."""
        cfg = self.config_
        if metric == method.metric:
            rule = cfg.threshold_for(STEP, method.name, metric)
        else:
            rule = cfg.thresholds.get(f"{STEP}.{method.name}.{metric}") or cfg.thresholds.get(f"{STEP}.{metric}")
        if rule is not None:
            return rule
        if self.default_threshold == "method_default":
            return method.default_threshold.get(metric)
        return DEFAULT_RULE if metric == method.metric else None

    def _thresholds(
        self, state, method, metric, rule, cp, values, lower, upper, notes, nulls, fallback
    ) -> np.ndarray | None:
        """Fill per-chunk bounds (in place); return per-chunk p-values when the rule is calibrated."""
        threshold = threshold_from_config(rule)
        direction = method.direction[metric]
        vrange = method.value_range[metric]
        ref_values = values[cp.leave_out]
        if not getattr(threshold, "needs_null_distribution", False):
            lo, hi = compute_thresholds(ref_values, threshold, direction=direction, value_range=vrange)
            lower[:] = np.nan if lo is None else lo
            upper[:] = np.nan if hi is None else hi
            return None
        p_values = np.full(values.size, np.nan)
        n = state.profile.n
        keys = np.array([cal.size_key(int(m)) for m in cp.sizes])
        for key in np.unique(keys[cp.sizes > 0]):
            where = np.flatnonzero((keys == key) & (cp.sizes > 0))
            sizes, freq = np.unique(cp.sizes[where], return_counts=True)
            key = int(sizes[np.argmax(freq)])  # calibrate at the group's most common exact size
            if not cal.can_calibrate(int(key), n):
                fallback[where] = True
                classic = method.default_threshold.get(metric)
                for c in where:
                    notes[c] = notes[c] or (
                        f"chunk too large for the reference ({int(cp.sizes[c]):,} of {n:,} values) to calibrate on samples; "
                        f"method default threshold used ({_rule_text(method.default_threshold)})"
                    )
                if classic is None:
                    continue
                lo, hi = compute_thresholds(
                    ref_values, threshold_from_config(classic), direction=direction, value_range=vrange
                )
                lower[where] = np.nan if lo is None else lo
                upper[where] = np.nan if hi is None else hi
                continue
            sampled = min(int(key), cal.MAX_SAMPLE_SIZE) if method.needs == "sorted" else int(key)
            null = cal.NullDistribution.of(
                self._null_scores(state, method, int(key), threshold, metric)[metric], direction, int(key), sampled
            )
            lo, hi = compute_thresholds(null.scores, threshold, direction=direction, value_range=vrange)
            lower[where] = np.nan if lo is None else lo
            upper[where] = np.nan if hi is None else hi
            p_values[where] = null.p_values(values[where])
            for c in where:
                nulls[c] = null
        return p_values

    def _null_scores(
        self, state: _ColumnState, method: UnivariateMethod, m: int, threshold: Any, metric: str
    ) -> dict[str, np.ndarray]:
        """Scores of random size-m reference samples, each left out of the reference (cached)."""
        requested = getattr(threshold, "samples", None)
        key = (method.name, m, requested, metric)
        if key in state.null_cache:
            return state.null_cache[key]
        profile = state.profile
        seed = self.config_.seed
        if method.needs == "sorted" and isinstance(profile, ContinuousProfile):  # sorted methods: continuous only
            m_cal = min(m, cal.MAX_SAMPLE_SIZE)
            samples = cal.sorted_sample_count(m_cal, requested)
            sample_cp = self._sorted_samples(profile, m_cal, samples, seed)
            scores = method.score(sample_cp, skip_p_values=method.direction[metric] != "lower_is_worse")
            if m_cal < m:  # asymptotic rescaling: these statistics shrink like 1 / sqrt(effective size)
                factor = np.sqrt(cal.effective_size(m_cal, profile.n) / cal.effective_size(m, profile.n))
                scores = {k: (v * factor if method.direction[k] == "higher_is_worse" else v) for k, v in scores.items()}
        else:
            samples = int(requested or cal.SAMPLES_COUNTS)
            ckey = ("counts", m, samples)
            if ckey not in state.null_cache:
                counts = cal.hypergeometric_counts(
                    profile.ref_counts, m, samples, cal.seed_for(seed, state.name, "counts", m)
                )
                state.null_cache[ckey] = ChunkProfile(profile, counts.sum(axis=1), np.ones(samples, bool), counts)
            scores = method.score(state.null_cache[ckey])
        state.null_cache[key] = scores
        return scores

    def _sorted_samples(self, profile: ContinuousProfile, m: int, samples: int, seed: int) -> ChunkProfile:
        """Chunk profile of `samples` sorted reference samples of size m (positions shared by equal n)."""
        cache = profile._sample_cache
        key = (m, samples)
        if key not in cache:
            pkey = (profile.n, m, samples, seed)
            positions = self.positions_cache_.get(pkey)
            if positions is None:
                positions = cal.sample_positions(profile.n, m, samples, cal.seed_for(seed, "positions", profile.n, m))
                self.positions_cache_[pkey] = positions
            cache[key] = sample_chunks(profile, positions)
        return cache[key]

    def _apply_fdr(self, blocks: list[_Block], q: float) -> None:
        """Benjamini-Hochberg per chunk over every calibrated (column, method) alerting series."""
        tested = [(b, b.p_values) for b in blocks if b.p_values is not None and np.isfinite(b.p_values).any()]
        if not tested:
            return
        p = np.vstack([pv for _, pv in tested])  # tests x chunks
        reject = np.zeros(p.shape, dtype=bool)
        for col in range(p.shape[1]):
            reject[:, col] = cal.benjamini_hochberg(p[:, col], q)
        for i, (b, p_values) in enumerate(tested):
            ok = np.isfinite(p_values)
            if b.alert is None:
                b.alert = np.full(b.values.size, None, dtype=object)
            for c in np.flatnonzero(ok):
                was = bool(b.alert[c]) if b.alert[c] is not None else False
                b.alert[c] = bool(reject[i, c])
                if reject[i, c] or was:
                    verdict = "significant" if reject[i, c] else "not significant"
                    described = b.nulls[c].describe(b.values[c]) if b.nulls and b.nulls[c] is not None else None
                    extra = f"p ≈ {p_values[c]:.2g}, {verdict} after Benjamini-Hochberg at false discovery rate {q:g} over all columns and methods of the chunk"
                    b.notes[c] = "; ".join(x for x in (described, extra) if x)

    # --- report material ------------------------------------------------------------------

    def _distribution(self, state: _ColumnState, cp: ChunkProfile) -> dict[str, Any]:
        """Small reference-vs-chunk histograms for the report (about 20 bins)."""
        idx = [c.index for c in self.reference_chunks_ + self.analysis_chunks_]
        if isinstance(state.profile, CategoricalProfile):
            return {
                "kind": "categorical",
                "categories": [str(c) for c in state.profile.categories] + ["unseen"],
                "reference": state.profile.ref_counts.tolist(),
                "chunks": {int(i): row.tolist() for i, row in zip(idx, cp.counts)},
            }
        r = state.profile.sorted
        edges = state.profile.plot_edges
        ref_counts = bin_counts(r, np.array([0, r.size]), edges[1:-1])[0]
        chunk_counts = cp.plot_counts
        if chunk_counts is None:
            raise ValueError(f"no report histogram was counted for column {state.name}")
        return {
            "kind": "continuous",
            "bin_edges": edges.tolist(),
            "reference": ref_counts.tolist(),
            "chunks": {int(i): row.tolist() for i, row in zip(idx, chunk_counts)},
        }

    def _summarise_thresholds(self, blocks: list[_Block]) -> None:
        """Per method: how its thresholds were set, with the numbers (for the method appendix)."""
        notes: dict[str, list[str]] = {}
        is_ana = np.array([False] * len(self.reference_chunks_) + [True] * len(self.analysis_chunks_))
        for b in blocks:
            bounded = np.isfinite(b.upper) | np.isfinite(b.lower)
            if not bounded.any():
                continue
            pick = np.flatnonzero(bounded & is_ana)
            c = int(pick[0]) if pick.size else int(np.flatnonzero(bounded)[0])
            side, bound = ("upper", b.upper[c]) if np.isfinite(b.upper[c]) else ("lower", b.lower[c])
            notes.setdefault(b.method, []).append(f"{b.column} {b.metric}: {side} {bound:.4g}")
        self.notes_ = notes

    def method_notes(self) -> list[dict[str, Any]]:
        """One entry per method used: what it measures and how its thresholds were set."""
        self.check_fitted()
        used = []
        for state in self.columns_.values():
            for name in state.methods:
                if name not in used:
                    used.append(name)
        out = []
        for name in used:
            cls = UNIVARIATE_METHODS.get(name)
            metric = cls.metric
            rule = self._rule(cls(), metric)
            if rule is None:
                how = "no threshold configured for the alerting metric"
            elif getattr(THRESHOLDS.get(rule.type), "needs_null_distribution", False):
                alpha = rule.alpha if rule.alpha is not None else 0.01
                how = (
                    f"Per column and chunk size, the {100 * (1 - alpha):g}% quantile of the {metric.replace('_', ' ')} of random reference "
                    f"samples of that size, each scored against the reference without it ({cal.SAMPLES_COUNTS:,} samples for bucket-based "
                    f"methods; {cal.MIN_SORTED_SAMPLES}-{cal.MAX_SORTED_SAMPLES} for exact KS / Wasserstein, whose samples above "
                    f"{cal.MAX_SAMPLE_SIZE:,} values are rescaled by the square root of the effective size). A chunk alerts in about "
                    f"{100 * alpha:g}% of stable chunks; chunks larger than half the reference fall back to the method default "
                    f"({_rule_text(cls.default_threshold)})."
                )
            else:
                how = (
                    threshold_from_config(rule).explain(rule.lower, rule.upper)
                    if rule.type == "constant"
                    else f"{rule.type} rule on the leave-one-chunk-out reference values."
                )
            if self.false_discovery_rate:
                how += f" Alerts are Benjamini-Hochberg rejections at false discovery rate {self.false_discovery_rate:g} over all columns and methods of a chunk."
            examples = self.notes_.get(name, [])
            if examples:
                how += " Thresholds: " + "; ".join(examples[:8]) + ("; ..." if len(examples) > 8 else "") + "."
            out.append(
                {
                    "step": STEP,
                    "method": name,
                    "title": cls.display_name,
                    "description": cls.description,
                    "thresholds": how,
                }
            )
        return out

    def artifacts(self) -> dict[str, Any]:
        """{"distributions": {column: {kind, bin_edges | categories, reference, chunks}}} after run."""
        return getattr(self, "artifacts_", {"distributions": {}})


def _rule_text(rules: dict[str, ThresholdConfig]) -> str:
    parts = []
    for metric, r in rules.items():
        if r.type == "constant":
            bound = f"above {r.upper:g}" if r.upper is not None else f"below {r.lower:g}"
            parts.append(f"{metric} {bound}")
        else:
            parts.append(f"{metric}: reference-chunk mean + {r.std_upper_multiplier:g} standard deviations")
    return ", ".join(parts)
