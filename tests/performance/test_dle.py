"""DLE: estimates track realized MAE / RMSE on heteroscedastic data; deterministic; undefined cases noted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.performance.dle import DLE
from reportgen.performance.realized import RealizedPerformance
from tests.performance.helpers import prepare, regression_config, run_step, simulate_regression, values


@pytest.fixture(scope="module")
def shifted_run():
    ref = simulate_regression(12_000, seed=1)
    ana = pd.concat(
        [simulate_regression(5_000, seed=2), simulate_regression(5_000, seed=3, shift=1.5)], ignore_index=True
    )
    data = prepare(
        regression_config(1000, performance={"metrics": ["mae", "rmse", "mse", "msle"], "threads": 1}), ref, ana
    )
    return run_step(DLE, data), run_step(RealizedPerformance, data), data


@pytest.mark.parametrize("metric", ["mae", "rmse"])
def test_dle_tracks_heteroscedastic_error(shifted_run, metric):
    est, real, _ = shifted_run
    e, r = values(est, metric, period="analysis"), values(real, metric, period="analysis")
    # The shift moves rows to large |x1| where the noise is larger: the error grows and DLE sees it.
    assert r[5:].mean() > 1.3 * r[:5].mean()
    assert e[5:].mean() > 1.3 * e[:5].mean()
    assert np.abs(e - r).mean() < 0.06 * r.mean()
    rec = real[(real["metric"] == metric) & (real["period"] == "analysis")].sort_values("chunk_index")
    inside = (e >= rec["lower_confidence"].to_numpy()) & (e <= rec["upper_confidence"].to_numpy())
    assert inside.mean() >= 0.9
    alerts = est[(est["metric"] == metric) & (est["period"] == "analysis")].sort_values("chunk_index")["alert"]
    assert not alerts.iloc[:5].any() and alerts.iloc[5:].all()  # errors up = worse


def test_dle_negative_values_give_nan_with_note(shifted_run):
    est, real, _ = shifted_run
    # simulate_regression's targets are mostly positive but not all: squared log error is undefined.
    rec = est[est["metric"] == "msle"]
    assert rec["value"].isna().all()
    assert rec["note"].str.contains("negative").all()


def test_dle_is_deterministic(shifted_run):
    est, _, data = shifted_run
    again = run_step(DLE, data)
    pd.testing.assert_frame_equal(est, again)


def test_dle_with_missing_categories_and_values():
    ref = simulate_regression(4000, seed=4)
    ana = simulate_regression(2000, seed=5)
    ana.loc[:100, "c"] = "zzz"  # unseen category
    ana.loc[100:200, "x2"] = np.nan
    ana.loc[200:300, "c"] = None
    data = prepare(regression_config(1000, performance={"metrics": ["mae"]}), ref, ana)
    est = run_step(DLE, data)
    assert np.isfinite(values(est, "mae")).all()


def test_group_mean_error_is_the_weighted_gap_of_group_means():
    """The stopping criterion against a hand computation: deciles of one column, gap of means."""
    from reportgen.performance.dle import group_mean_error, quantile_groups

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 1))
    target = np.abs(x[:, 0]) + rng.normal(scale=0.1, size=1000)
    groups = quantile_groups(x, [])
    assert np.bincount(groups[:, 0]).tolist() == [100] * 10
    flat = np.full(1000, target.mean())
    name, err, higher_better = group_mean_error(groups, target)(flat, None)
    gaps = [target[groups[:, 0] == g].mean() - target.mean() for g in range(10)]
    assert name == "group_mean_error" and not higher_better
    assert err == pytest.approx(np.sqrt(np.mean(np.square(gaps))))
    assert group_mean_error(groups, target)(target, None)[1] == pytest.approx(0.0, abs=1e-12)


def test_dle_mae_follows_a_shift_the_row_loss_would_shrink(shifted_run):
    """On the shifted half the estimated MAE rises by at least 85% of the realized rise."""
    est, real, _ = shifted_run
    e, r = values(est, "mae", period="analysis"), values(real, "mae", period="analysis")
    assert e[5:].mean() - e[:5].mean() > 0.85 * (r[5:].mean() - r[:5].mean())
