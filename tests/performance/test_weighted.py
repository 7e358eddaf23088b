"""Importance-weighted estimators: density ratio, doubly robust correction, and the cbpe_iw / dle_iw steps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.performance.cbpe import CBPE
from reportgen.performance.density_ratio import ChunkRatio, DensityRatio, effective_sample_share, model_matrix
from reportgen.performance.dle import DLE
from reportgen.performance.overlap import ChunkTrust
from reportgen.performance.realized import RealizedPerformance
from reportgen.performance.reweighted import BinnedResidual
from reportgen.performance.trust import RatioCutoffs, worst
from reportgen.performance.weighted import WeightedCBPE, WeightedDLE
from reportgen.pipeline_steps import applicable_steps
from tests.performance.helpers import (
    binary_config,
    prepare,
    regression_config,
    run_step,
    simulate_regression,
    values,
)


def simulate_hidden_feature(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """A model that ignores x2: its score is calibrated on the reference as a whole but not per region of x2."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(loc=shift, size=n)
    truth = 1.0 / (1.0 + np.exp(-(1.5 * x1 + 1.5 * x2)))
    y = (rng.random(n) < truth).astype(int)
    score = 1.0 / (1.0 + np.exp(-1.2 * x1))  # roughly P(y | x1) on the reference
    return pd.DataFrame({"x1": x1, "x2": x2, "y_pred_proba": score, "y_pred": (score > 0.5).astype(int), "y": y})


@pytest.fixture(scope="module")
def hidden():
    ref = simulate_hidden_feature(12_000, seed=1)
    ana = pd.concat(
        [simulate_hidden_feature(2_000, seed=2), simulate_hidden_feature(2_000, seed=3, shift=-1.0)], ignore_index=True
    )
    cfg = binary_config(2000, performance={"metrics": ["accuracy", "roc_auc", "f1"], "estimators": ["cbpe", "cbpe_iw"]})
    return prepare(cfg, ref, ana)


def test_effective_sample_share_is_kish():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    assert effective_sample_share(w) == pytest.approx(8.0**2 / (4 * 22.0))
    assert effective_sample_share(np.ones(7)) == pytest.approx(1.0)


def test_density_ratio_weights_near_one_for_a_chunk_like_the_reference(hidden):
    ratio = DensityRatio(seed=0).fit(hidden.reference, hidden.reference_chunks)
    x = model_matrix(hidden.analysis)[0]
    like, shifted = ratio.ratio(x[:2000]), ratio.ratio(x[2000:])
    assert like.weights.mean() == pytest.approx(1.0)
    assert like.ess_share > 0.85
    assert shifted.ess_share < 0.6
    ess, _ = ratio.reference_levels()
    assert np.median(ess) >= 0.9  # tempered until reference chunks keep 90%
    # the weights estimate the chunk's mean of x2 (about -1.0) from the reference rows
    x2 = hidden.reference.features["x2"].values[ratio.eval_rows_]
    assert np.average(x2, weights=shifted.weights) < -0.5
    again = DensityRatio(seed=0).fit(hidden.reference, hidden.reference_chunks).ratio(x[2000:])
    assert np.array_equal(again.weights, shifted.weights)  # deterministic


def test_binned_residual_matches_a_hand_computation():
    prediction = np.repeat(np.arange(10, dtype=float), 100)
    residual = np.tile(np.r_[np.ones(50), -np.ones(50)], 10)
    fitted = BinnedResidual.fit(prediction, residual)
    assert np.allclose(fitted.correction(np.ones(1000)), 0.0)  # weights of 1: CBPE / DLE exactly
    w = np.tile(np.r_[np.full(50, 3.0), np.ones(50)], 10)  # first half of every bin three times as heavy
    gap = (3 * 50 - 50) / (3 * 50 + 50)  # weighted mean residual per bin: 0.5 (unweighted: 0)
    variance = 1.0 - gap**2  # weighted mean of r^2 (= 1) minus the squared weighted mean
    n_eff = (3 * 50 + 50) ** 2 / (9 * 50 + 50)
    noise = variance / n_eff
    assert np.allclose(fitted.correction(w), gap * gap**2 / (gap**2 + noise))


def test_weighted_cbpe_corrects_what_calibration_misses_per_region(hidden):
    plain = run_step(CBPE, hidden)
    weighted = run_step(WeightedCBPE, hidden)
    real = run_step(RealizedPerformance, hidden)
    assert set(weighted["method"]) == {"cbpe_iw"}
    for metric in ("accuracy", "f1"):
        truth = values(real, metric, period="analysis")
        base = values(plain, metric, period="analysis")
        ours = values(weighted, metric, period="analysis")
        assert abs(ours[0] - base[0]) < 0.01  # a chunk like the reference: CBPE's estimate
        # x2 moved inside the support: CBPE misses most of the change, the weighted estimate does not
        assert abs(ours[1] - truth[1]) < 0.5 * abs(base[1] - truth[1])
    assert np.allclose(values(weighted, "accuracy", period="reference"), values(plain, "accuracy", period="reference"))


def test_weighted_dle_stays_with_dle_on_a_stable_chunk_and_is_no_worse_on_a_shift():
    ref = simulate_regression(8_000, seed=1)
    ana = pd.concat([simulate_regression(2_000, seed=2), simulate_regression(2_000, seed=3, shift=1.0)])
    cfg = regression_config(
        2000, performance={"metrics": ["mae", "rmse"], "threads": 1, "estimators": ["dle", "dle_iw"]}
    )
    data = prepare(cfg, ref, ana.reset_index(drop=True))
    plain, weighted, real = run_step(DLE, data), run_step(WeightedDLE, data), run_step(RealizedPerformance, data)
    for metric in ("mae", "rmse"):
        truth = values(real, metric, period="analysis")
        base, ours = values(plain, metric, period="analysis"), values(weighted, metric, period="analysis")
        assert abs(ours[0] - base[0]) < 0.03 * truth[0]
        assert abs(ours[1] - truth[1]) <= abs(base[1] - truth[1]) + 0.01 * truth[1]


def test_estimators_key_selects_the_steps_and_rejects_unknown_names():
    def names(cfg):
        return [s.name for s in applicable_steps(load_config(data=cfg)) if s.step == "estimated_performance"]

    assert names(binary_config()) == ["cbpe"]
    assert names(binary_config(performance={"estimators": ["cbpe", "cbpe_iw"]})) == ["cbpe", "cbpe_iw"]
    assert names(regression_config(performance={"estimators": ["dle_iw"]})) == ["dle_iw"]
    with pytest.raises(ConfigError, match="found 'cbpe_wi'; allowed: cbpe, cbpe_iw, dle, dle_iw"):
        load_config(data=binary_config(performance={"estimators": ["cbpe_wi"]}))
    with pytest.raises(ConfigError, match="does not fit problem_type regression"):
        names(regression_config(performance={"estimators": ["cbpe"]}))


def test_trust_cutoffs_come_from_the_reference_chunks():
    cut = RatioCutoffs.from_reference(np.array([0.95, 0.97, 0.96]), np.array([0.0, 0.02, 0.01]))
    assert cut.thin_below == pytest.approx(0.5 * 0.95)
    assert cut.sparse_above == pytest.approx(0.32)
    like = cut.assess(ChunkRatio(np.ones(3), 0.9, 0.01))
    assert like.trust.level == "high" and like.trust.reason is None and not like.thin
    thin = cut.assess(ChunkRatio(np.ones(3), 0.3, 0.0))
    assert thin.thin and thin.trust.level == "medium"
    assert "keep 30% of the reference's effective rows (reference chunks 95% or more)" in thin.trust.reason
    sparse = cut.assess(ChunkRatio(np.ones(3), 0.9, 0.4))
    assert sparse.trust.level == "medium" and not sparse.thin
    assert "40% of rows lie where the reference is over 10x sparser" in sparse.trust.reason
    both = worst(ChunkTrust("low", 0.2, "trust low: 20% of rows lie outside"), sparse.trust)
    assert both.level == "low" and both.share_outside == 0.2
    assert both.reason.startswith("trust low: 20% of rows lie outside; 40% of rows")


def test_a_thin_chunk_whose_weighted_estimate_parts_gets_low_trust_per_metric(hidden):
    est = run_step(CBPE, hidden)
    ana = est[est["period"] == "analysis"]
    acc = ana[ana["metric"] == "accuracy"].sort_values("chunk_index")
    assert acc["trust"].tolist() == ["high", "low"]  # x2 moved by one sd; the weighted accuracy parts by > 1 SE
    assert "sampling errors) from the unweighted estimate" in acc["note"].iloc[1]
    auc = ana[ana["metric"] == "roc_auc"].sort_values("chunk_index")
    assert auc["trust"].iloc[1] in ("medium", "low")  # thin in any case; the reason is given
    assert "effective rows" in auc["note"].iloc[1]
