"""Unseen-category rule calibrated on the reference's own turnover of rare levels (simulated truth)."""

from __future__ import annotations

import numpy as np

from reportgen.dataset import Column
from reportgen.quality import DataQuality, leave_one_chunk_out_unseen
from tests.drift.univariate_helpers import make_data

CHUNK = 150
LEVELS = 200
ZIPF = 1.0 / np.arange(1, LEVELS + 1) ** 1.3  # a long tail: the rarest levels hold a handful of rows
ZIPF /= ZIPF.sum()


def _long_tail(seed: int, fault: float = 0.0) -> tuple:
    """Reference and analysis (12 chunks of 150 each) from one long-tailed vocabulary; `fault` = share of
    the last analysis chunk replaced by a brand-new level."""
    rng = np.random.default_rng(seed)
    ref_levels = rng.choice(LEVELS, 12 * CHUNK, p=ZIPF)
    ana_levels = rng.choice(LEVELS, 12 * CHUNK, p=ZIPF)
    if fault:
        last = np.arange(11 * CHUNK, 12 * CHUNK)
        ana_levels[last[rng.random(CHUNK) < fault]] = LEVELS  # a level outside the whole vocabulary
    vocab = np.unique(ref_levels)
    code = {int(v): i for i, v in enumerate(vocab)}
    to_codes = lambda levels: np.array([code.get(int(v), len(vocab)) for v in levels])  # noqa: E731
    data = make_data(
        {"g": to_codes(ref_levels)},
        {"g": to_codes(ana_levels)},
        CHUNK,
        categories={"g": tuple(str(v) for v in vocab)},
    )
    step = DataQuality.from_config(data.config)
    step.fit(data.reference, data.reference_chunks, data.config)
    res = step.run(data)
    rate = res[(res.method == "unseen_values") & (res.metric == "rate") & (res.period == "analysis")]
    return rate.sort_values("chunk_index"), to_codes(ana_levels) == len(vocab)


def test_leave_one_chunk_out_counts_match_hand_count() -> None:
    # chunks: [a a b] [a c c] [b d a]: c only in chunk 2 (2 rows), d only in chunk 3 (1 row)
    col = Column("g", "categorical", np.array([0, 0, 1, 0, 2, 2, 1, 3, 0], np.int32), ("a", "b", "c", "d"))
    data = make_data({"g": col.values}, {"g": col.values}, 3, categories={"g": col.categories})
    assert leave_one_chunk_out_unseen(col, data.reference_chunks).tolist() == [0, 2, 1]


def test_long_tail_sampling_does_not_alert_but_a_new_level_does() -> None:
    raw_hits = alerts = 0
    for seed in range(8):
        rate, unseen_rows = _long_tail(seed)
        raw_hits += int((rate["value"] > 0).sum())  # the old rule (any unseen value) alerted here
        alerts += int(rate["alert"].astype(bool).sum())
        assert (rate["upper_threshold"] > 0).all()  # the reference itself shows turnover of rare levels
    assert raw_hits >= 40  # of 96 chunks: rare levels the reference never saw are common
    assert alerts <= 1  # the calibrated rule: at most one false alert in 96 chunks (nominal 0.13%)
    for seed in range(4):
        rate, _ = _long_tail(seed, fault=0.10)
        flags = rate["alert"].astype(bool).to_numpy()
        assert flags[-1] and flags[:-1].sum() <= 1


def test_closed_vocabulary_keeps_the_strict_rule() -> None:
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 3, 12 * CHUNK)
    ana = rng.integers(0, 3, 12 * CHUNK)
    ana[700] = 3  # one unseen value
    data = make_data({"g": ref}, {"g": ana}, CHUNK, categories={"g": ("a", "b", "c")})
    step = DataQuality.from_config(data.config)
    step.fit(data.reference, data.reference_chunks, data.config)
    res = step.run(data)
    rate = res[(res.method == "unseen_values") & (res.metric == "rate") & (res.period == "analysis")]
    assert (rate["upper_threshold"] == 0).all() and rate["alert"].astype(bool).sum() == 1
