"""The reference support: rows outside the range per feature and chunk, and broken relations between columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.config import validate_config
from reportgen.io import prepare_data
from reportgen.resolution.support import JOINT, chunk_shares, fit_support, support_shares


def frame(n: int, seed: int) -> pd.DataFrame:
    """a and b carry a total (total = a + b); c is independent; kind is categorical with one rare level."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.gamma(4, 10, n), rng.gamma(3, 10, n), rng.normal(size=n)
    kind = rng.choice(["x", "y", "z"], n, p=[0.6, 0.3995, 0.0005])
    return pd.DataFrame({"id": np.arange(n), "a": a, "b": b, "total": a + b, "c": c, "kind": kind, "y_pred": a})


def prepared(analysis: pd.DataFrame, reference: pd.DataFrame | None = None):
    cols = {"id": "id", "prediction": "y_pred", "features": ["a", "b", "total", "c", "kind"], "categorical": ["kind"]}
    config = validate_config({"problem_type": "regression", "columns": cols, "chunking": {"size": 500}})
    ref = frame(5000, 0) if reference is None else reference
    analysis = analysis.assign(id=np.arange(len(analysis)) + 10_000)
    return prepare_data(config, ref, analysis, None)


def test_chunk_shares_count_rows_per_range() -> None:
    out = np.array([1, 0, 1, 1, 0, 0], dtype=bool)
    obs = np.array([1, 1, 1, 0, 1, 1], dtype=bool)
    share, count = chunk_shares(out, obs, [(0, 3), (3, 6)])
    assert count.tolist() == [2, 1]
    assert share.tolist() == pytest.approx([2 / 3, 1 / 2])


def test_continuous_band_is_the_widened_inner_range_within_min_and_max() -> None:
    data = prepared(frame(2000, 1))
    col = data.reference.features["c"]
    sup = fit_support(col)
    q_lo, q_hi = np.quantile(col.values, [0.001, 0.999])
    pad = 0.05 * (q_hi - q_lo)
    assert sup.low == pytest.approx(max(col.values.min(), q_lo - pad))
    assert sup.high == pytest.approx(min(col.values.max(), q_hi + pad))
    # the reference itself leaves at most the 0.2% the percentiles cut off
    assert sup.outside(col)[0].mean() <= 0.002 + 1e-9


def test_stable_period_leaves_no_support() -> None:
    shares = support_shares(prepared(frame(3000, 2)))
    for f in shares.shares:
        assert not shares.outside(f).any(), f
    assert shares.broken == {}


def test_a_scaled_column_leaves_the_range_and_breaks_its_identity() -> None:
    ana = frame(3000, 3)
    ana.loc[2000:, "a"] *= 3.0  # a unit change: total no longer equals a + b
    shares = support_shares(prepared(ana))
    flagged = shares.outside("a")
    assert not flagged[:4].any() and flagged[4:].all()
    assert shares.shares["a"][4:].min() > 0.2
    for f in ("b", "total", "c", "kind"):
        assert not shares.outside(f).any(), f
    tail = [c for c in shares.chunk_indices[4:]]
    assert all("a" in shares.broken[i] and "c" not in shares.broken[i] for i in tail)
    assert all(i not in shares.broken for i in shares.chunk_indices[:4])


def test_a_mild_scaling_stays_in_range_but_breaks_the_relation() -> None:
    ana = frame(3000, 4)
    ana.loc[2000:, "a"] *= 1.15
    shares = support_shares(prepared(ana))
    assert not shares.outside("a")[4:].all()  # most scaled values still lie within the reference range
    # the residual gathers on the tightly determined total; a, correlated with it, is the suspect
    assert all("total" in shares.broken.get(i, []) for i in shares.chunk_indices[4:])
    assert all(i not in shares.broken for i in shares.chunk_indices[:4])
    assert "a" in shares.related["total"] and "c" not in shares.related["total"]
    assert shares.shares[JOINT][4:].mean() > shares.shares[JOINT][:4].mean()


def test_unseen_and_near_empty_levels_are_outside() -> None:
    ana = frame(3000, 5)
    ana.loc[2500:, "kind"] = np.where(np.arange(500) % 2 == 0, "new", "z")  # unseen and a 0.05% level
    shares = support_shares(prepared(ana))
    assert shares.share("kind", shares.chunk_indices[-1]) == pytest.approx(1.0)
    assert shares.outside("kind").tolist() == [False] * 5 + [True]
