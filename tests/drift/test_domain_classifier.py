"""Domain classifier: AUC ~0.5 on stable data, high on shifted data, close to a full-reference fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from reportgen.config import validate_config
from reportgen.dataset import Column
from reportgen.drift.domain_classifier import (
    DomainClassifier,
    _largest_remainder,
    auc_score,
    evenly_spaced,
    mann_whitney_null_sd,
)
from reportgen.drift.domain_classifier_drift import DomainClassifierDrift
from reportgen.errors import NotFittedError
from reportgen.io import prepare_data


def columns(n: int, seed: int, shift: float = 0.0, p: int = 4, rho: float = 0.8) -> dict[str, Column]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, 3] = rho * x[:, 2] + np.sqrt(1 - rho**2) * x[:, 3]  # x2, x3 correlated: a flip of rho is multivariate drift
    x[:, 0] += shift
    x[rng.random(n) < 0.02, 1] = np.nan
    cols = {f"x{j}": Column(f"x{j}", "continuous", x[:, j]) for j in range(p)}
    cols["c"] = Column("c", "categorical", rng.choice(3, n, p=[0.5, 0.3, 0.2]).astype(np.int32), ("a", "b", "c"))
    return cols


def stack(parts: list[dict[str, Column]]) -> dict[str, Column]:
    return {
        k: Column(k, v.kind, np.concatenate([p[k].values for p in parts]), v.categories) for k, v in parts[0].items()
    }


def chunk_aucs(clf: DomainClassifier, parts: list[dict[str, Column]]) -> np.ndarray:
    """Each part scored as one analysis chunk (chunk keys 0, 1, ...)."""
    return np.array([clf.chunk_auc(part, (1, i)) for i, part in enumerate(parts)])


def frame(n: int, seed: int, shift: float = 0.0, start: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x0": rng.normal(shift, 1.0, n),
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "c": rng.choice(["a", "b", "c"], n),
        }
    )
    df["y_pred_proba"] = 0.5
    df["y_pred"] = np.arange(n) % 2
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n), unit="min")
    return df


def run_step(
    ref: pd.DataFrame, ana: pd.DataFrame, chunk_size: int, **params
) -> tuple[pd.DataFrame, DomainClassifierDrift]:
    cfg = validate_config(
        {
            "problem_type": "binary_classification",
            "columns": {
                "timestamp": "timestamp",
                "prediction": "y_pred",
                "predicted_probability": "y_pred_proba",
                "features": ["x0", "x1", "x2", "c"],
            },
            "chunking": {"size": chunk_size, "min_rows": 1},  # unit tests use tiny chunks on purpose
            "drift": {"multivariate": ["domain_classifier"]},
        }
    )
    data = prepare_data(cfg, ref, ana)
    step = DomainClassifierDrift(**params)
    step.fit(data.reference, data.reference_chunks, cfg)
    return step.run(data), step


def test_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.random(500) + 0.3 * y, 1)  # many ties
    assert auc_score(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert np.isnan(auc_score(np.ones(5), np.arange(5.0)))


def test_stable_data_reads_half_and_shift_reads_high():
    ref = frame(8_000, 1)
    ana = pd.concat([frame(4_000, 2, start=8_000), frame(4_000, 3, shift=1.0, start=12_000)], ignore_index=True)
    res, step = run_step(ref, ana, 1_000)
    assert (res["method"] == "domain_classifier").all() and (res["metric"] == "roc_auc").all()
    analysis = res[res["period"] == "analysis"].reset_index(drop=True)
    stable, shifted = analysis[:4], analysis[4:]
    assert (abs(stable["value"] - 0.5) < 0.05).all()
    assert not stable["alert"].any()
    assert (shifted["value"] > 0.7).all() and shifted["alert"].all()
    reference = res[res["period"] == "reference"]
    assert (abs(reference["value"] - 0.5) < 0.05).all()  # each reference chunk against the rest of the reference
    # threshold: a little above 0.5, from the null draws; the note says how unusual an alert is
    assert (res["upper_threshold"] > 0.5).all() and (res["upper_threshold"] < 0.56).all()
    assert shifted["note"].str.contains("same-size reference samples").all()
    # 10,000 reference rows asked for, capped at the 8,000 there are (7,000 for a reference chunk: the rest)
    assert np.allclose(analysis["sampling_error"], mann_whitney_null_sd(8_000, 1_000))
    assert np.allclose(reference["sampling_error"], mann_whitney_null_sd(7_000, 1_000))
    text = step.method_notes()[0]["thresholds"]
    assert "random reference samples of 1,000 rows" in text


def test_subsampled_reference_is_within_0_02_of_a_full_reference_fit():
    ref = columns(20_000, 0)
    shifts = [0.0, 0.0, 0.1, 0.2, 0.3, 0.5, 1.0]
    parts = [columns(2_000, 10 + i, s) for i, s in enumerate(shifts)] + [
        columns(2_000, 30, rho=-0.8)
    ]  # last: correlation flip
    bounds = [(i, i + 2_000) for i in range(0, 20_000, 2_000)]
    fast = chunk_aucs(DomainClassifier(reference_rows=10_000).fit(ref, bounds), parts)
    full = chunk_aucs(DomainClassifier(reference_rows=None).fit(ref, bounds), parts)
    # two AUCs of the same chunk against other reference rows: their difference has sd ~0.01 here
    tolerance = 3 * np.sqrt(2) * mann_whitney_null_sd(10_000, 2_000)
    assert np.abs(fast - full).max() < tolerance, np.round(fast - full, 4)
    assert np.abs(fast - full).mean() < 0.01
    assert fast[6] > 0.65 and fast[7] > 0.8 and abs(fast[0] - 0.5) < 0.05


def test_results_do_not_depend_on_the_worker_count_and_repeat_exactly():
    ref = columns(6_000, 0)
    parts = [columns(1_000, 1), columns(1_000, 2, 0.5)]
    bounds = [(i, i + 1_000) for i in range(0, 6_000, 1_000)]

    def scores(n_jobs: int) -> np.ndarray:
        clf = DomainClassifier(n_jobs=n_jobs).fit(ref, bounds)
        jobs = [lambda: clf.reference_chunk_auc(ref, 2, (0, 2)), lambda: clf.null_auc(np.arange(0, 6_000, 6), (2, 0))]
        return np.concatenate([chunk_aucs(clf, parts), clf.run_all(jobs)])

    one = scores(1)
    np.testing.assert_array_equal(one, scores(2))  # folds (chunks) and jobs (batches) on two threads
    np.testing.assert_array_equal(one, scores(2))
    assert abs(one[0] - 0.5) < 0.05 and one[1] > 0.55 and abs(one[2] - 0.5) < 0.05 and abs(one[3] - 0.5) < 0.05


def test_reference_sample_is_stratified_and_avoids_the_scored_rows():
    ref = columns(10_000, 0)
    bounds = [(0, 1_000), (1_000, 4_000), (4_000, 10_000)]
    clf = DomainClassifier().fit(ref, bounds)
    excluded = np.zeros(10_000, dtype=bool)
    excluded[1_000:4_000] = True
    rows = clf.reference_sample(2_800, np.random.default_rng(0), excluded)
    assert rows.size == 2_800 and np.unique(rows).size == 2_800
    assert not excluded[rows].any()
    # the 7,000 available rows split 1,000 : 6,000 -> 400 : 2,400
    assert ((rows < 1_000).sum(), (rows >= 4_000).sum()) == (400, 2_400)
    assert list(_largest_remainder(np.array([3, 3, 3]), 4)) == [2, 1, 1]


def test_a_pool_of_the_reference_keeps_the_aucs_and_survives_pickling(monkeypatch):
    import pickle

    import reportgen.drift.domain_classifier as dc

    ref = columns(12_000, 0)
    parts = [columns(1_500, 1), columns(1_500, 2, 0.3), columns(1_500, 3, rho=-0.8)]
    bounds = [(i, i + 1_500) for i in range(0, 12_000, 1_500)]
    whole = chunk_aucs(DomainClassifier(reference_rows=2_000).fit(ref, bounds), parts)
    monkeypatch.setattr(dc, "POOL_ROWS", 6_000)  # a stratified half of the reference is kept
    clf = DomainClassifier(reference_rows=2_000).fit(ref, bounds)
    assert clf.pool_.shape == (6_000, 5) and np.unique(clf.pool_rows_).size == 6_000
    assert [e - s for s, e in clf.pool_bounds_] == [750] * 8  # 750 of each 1,500-row reference chunk
    np.testing.assert_array_equal(clf.pool_, clf.matrix(ref, clf.pool_rows_))
    pooled = chunk_aucs(clf, parts)
    # other reference rows drawn: the difference of two independent AUCs (sd ~0.014 here), within 3 sd
    tolerance = 3 * np.sqrt(2) * mann_whitney_null_sd(2_000, 1_500)
    assert np.abs(pooled - whole).max() < tolerance, np.round(pooled - whole, 4)
    assert abs(pooled[0] - 0.5) < 0.05 and pooled[1] > 0.53 and pooled[2] > 0.8
    assert clf.template().params["num_threads"] == 1  # every LightGBM call single-threaded (see run_all)
    # a pickled classifier (as an engine ships it to workers) rebuilds its bin template and scores the same
    copy = pickle.loads(pickle.dumps(clf))
    assert copy._template is None
    np.testing.assert_array_equal(chunk_aucs(copy, parts), pooled)
    assert clf.reference_size(1_500, clf.pool_chunk_rows(2)) == 2_000 and clf.pool_chunk_rows(2) == 750


def test_the_step_streams_a_chunk_from_its_own_rows():
    """chunk_stats sees one chunk: a view and a copy of its rows give the same AUC, and the stats are a float."""
    import pickle
    from dataclasses import replace

    from reportgen.engine.views import chunk_view

    ref = frame(6_000, 1)
    ana = pd.concat([frame(1_000, 2, start=6_000), frame(1_000, 3, shift=0.8, start=7_000)], ignore_index=True)
    res, step = run_step(ref, ana, 1_000)
    cfg = step.classifier_  # fitted; the same data through prepare -> chunk_stats -> finalize by hand
    data = prepare_data(
        validate_config(
            {
                "problem_type": "binary_classification",
                "columns": {
                    "timestamp": "timestamp",
                    "prediction": "y_pred",
                    "predicted_probability": "y_pred_proba",
                    "features": ["x0", "x1", "x2", "c"],
                },
                "chunking": {"size": 1_000, "min_rows": 1},
            }
        ),
        ref,
        ana,
    )
    shipped = pickle.loads(pickle.dumps(step))  # as an engine would send the fitted state to a worker
    stats = []
    for meta in data.analysis_chunks:
        view = chunk_view(data.analysis, meta)
        copy = {k: Column(k, c.kind, c.values.copy(), c.categories) for k, c in view.features.items()}
        value = step.chunk_stats(view, meta)
        assert isinstance(value, float) and len(pickle.dumps(value)) < 100
        assert shipped._chunk_stats(replace(view, features=copy), meta) == value
        stats.append(value)
    again = step.finalize(stats)
    pd.testing.assert_frame_equal(again, res)
    assert cfg is step.classifier_ and stats[1] > 0.7 and abs(stats[0] - 0.5) < 0.06


def test_reference_chunk_subset_is_evenly_spaced_and_deterministic():
    assert list(evenly_spaced(9, 3)) == [0, 4, 8]
    assert list(evenly_spaced(200, 40))[:3] == [0, 5, 10] and evenly_spaced(200, 40)[-1] == 199
    assert evenly_spaced(200, 40).size == 40 and np.all(np.diff(evenly_spaced(200, 40)) >= 5)
    assert list(evenly_spaced(5, 40)) == [0, 1, 2, 3, 4] and list(evenly_spaced(5, None)) == [0, 1, 2, 3, 4]
    for n in range(2, 60):  # exactly k distinct indices, first and last included, gaps differ by at most one
        idx = evenly_spaced(n, 7)
        assert idx.size == min(n, 7) and idx[0] == 0 and idx[-1] == n - 1
        assert np.ptp(np.diff(idx)) <= 1


def test_only_the_chosen_reference_chunks_are_scored_and_they_equal_a_full_scoring():
    ref = frame(8_000, 1)
    ana = frame(2_000, 2, start=8_000)
    res, step = run_step(ref, ana, 1_000, reference_chunks=3)
    reference = res[res["period"] == "reference"].reset_index(drop=True)
    scored = np.isfinite(reference["value"].to_numpy())
    assert list(np.flatnonzero(scored)) == [0, 4, 7]  # 8 chunks -> 0, 3.5 (rounds to 4), 7
    assert (
        reference["note"][~scored]
        .str.contains("not scored: the reference band uses 3 evenly spaced reference chunks")
        .all()
    )
    assert not reference["alert"].any() and len(reference) == 8
    # a scored chunk's value does not depend on which other chunks are scored (its own seeded task)
    full, _ = run_step(ref, ana, 1_000, reference_chunks=None)
    full_ref = full[full["period"] == "reference"].reset_index(drop=True)
    assert np.isfinite(full_ref["value"]).all()
    np.testing.assert_array_equal(reference["value"][scored], full_ref["value"][scored])
    np.testing.assert_array_equal(
        res[res["period"] == "analysis"]["value"], full[full["period"] == "analysis"]["value"]
    )
    assert "only 3 of the 8 reference chunks" in step.method_notes()[0]["description"]


def test_run_before_fit_fails():
    with pytest.raises(NotFittedError):
        DomainClassifierDrift().run(None)  # type: ignore[arg-type]


def test_big_chunks_scored_on_a_sample_keep_their_auc():
    ref = columns(60_000, 31)
    parts = [columns(60_000, 32), columns(60_000, 33, shift=0.15)]
    capped = DomainClassifier(n_jobs=1, max_chunk_rows=25_000).fit(ref, [(0, 60_000)])
    whole = DomainClassifier(n_jobs=1, max_chunk_rows=0).fit(ref, [(0, 60_000)])
    a, b = chunk_aucs(capped, parts), chunk_aucs(whole, parts)
    assert abs(a[0] - 0.5) < 4 * mann_whitney_null_sd(25_000, 25_000)  # stable: at chance
    assert abs(a[1] - b[1]) < 0.01 and a[1] > 0.53  # a mean shift of 0.15 sd: same AUC from 25k of 60k rows
    assert capped.scored_size(60_000) == 25_000 and capped.reference_size(60_000) == 25_000
    assert whole.scored_size(60_000) == 60_000 and capped.scored_size(5_000) == 5_000
    assert [p.size for p in capped.null_positions(60_000, 3)] == [25_000] * 3  # null draws capped alike
