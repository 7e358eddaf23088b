"""reference_quantile thresholds: null distributions, p-values, Benjamini-Hochberg, false-alert rates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from reportgen.config import ThresholdConfig, load_config
from reportgen.drift import calibration as cal
from reportgen.thresholds import THRESHOLDS, compute_thresholds, threshold_from_config
from tests.drift.univariate_helpers import alerting, make_data, run_step

CATS = ("a", "b", "c", "d")
SHARES = np.array([0.4, 0.3, 0.2, 0.1])


def test_reference_quantile_rule_is_registered_and_uses_null_scores():
    rule = threshold_from_config(ThresholdConfig(type="reference_quantile", alpha=0.05))
    assert type(rule) is THRESHOLDS.get("reference_quantile") and rule.needs_null_distribution
    null = np.arange(101, dtype=float)
    assert compute_thresholds(null, rule, direction="higher_is_worse") == (None, 96.0)  # ceil(0.95 * 102)-th smallest
    assert compute_thresholds(null, rule, direction="lower_is_worse", value_range=(0, 1)) == (1.0, None)
    assert "95% quantile" in rule.explain(None, 96.0)
    cfg = load_config(
        data={
            "problem_type": "regression",
            "columns": {"prediction": "p"},
            "thresholds": {"multivariate_drift": {"type": "reference_quantile", "alpha": 0.001}},
        }
    )
    assert cfg.threshold_for("multivariate_drift", "pca_reconstruction").alpha == 0.001


def test_null_distribution_p_values_and_words():
    rng = np.random.default_rng(0)
    null = cal.NullDistribution.of(np.append(rng.normal(size=999), np.nan), "higher_is_worse", size=500)
    assert null.n == 999
    lo, hi = null.bounds(0.01)
    assert hi == null.scores[989] and lo == null.scores[9]  # ceil(0.99 * 1000)-th and floor(0.01 * 1000)-th smallest
    v = np.array([-5.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0, np.nan])
    p = null.p_values(v)
    assert p[0] == pytest.approx(1.0)
    assert p[1] == pytest.approx((1 + (null.scores >= 0).sum()) / 1000)
    assert np.all(np.diff(p[:-1]) <= 0) and np.isnan(p[-1])
    assert p[-2] < 1 / 1000  # beyond every sample: extrapolated tail, still positive
    assert p[-2] > 0
    assert null.describe(float(np.quantile(null.scores, 0.995))).startswith(
        "above 99.5% of 999 random reference samples of 500 rows"
    )
    assert "above all 999" in null.describe(6.0) and "tail estimate p" in null.describe(6.0)
    low = cal.NullDistribution.of(rng.uniform(size=500), "lower_is_worse")
    pl = low.p_values(np.array([-0.1, 0.5, 2.0]))
    assert pl[0] < 1 / 500 and pl[2] == pytest.approx(1.0)
    assert low.describe(-0.1).startswith("below all 500")


def test_benjamini_hochberg_matches_scipy():
    rng = np.random.default_rng(1)
    for _ in range(50):
        p = np.concatenate([rng.uniform(size=20), rng.uniform(0, 0.002, size=int(rng.integers(0, 5)))])
        expect = stats.false_discovery_control(p) <= 0.05
        np.testing.assert_array_equal(cal.benjamini_hochberg(p, 0.05), expect)
    assert cal.benjamini_hochberg(np.array([0.01, 0.02, 0.03, 0.04]), 0.05).all()
    assert cal.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2, np.nan]), 0.05).tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]


def test_sample_positions_are_sorted_distinct_seeded_and_uniform():
    a = cal.sample_positions(1000, 100, 300, seed=5)
    assert a.shape == (300, 100)
    assert (np.diff(a, axis=1) > 0).all()  # sorted, without replacement
    np.testing.assert_array_equal(a, cal.sample_positions(1000, 100, 300, seed=5))
    assert not np.array_equal(a, cal.sample_positions(1000, 100, 300, seed=6))
    counts = np.bincount(a.ravel(), minlength=1000)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_size_grid_and_sample_budget():
    assert cal.size_key(40) == 40
    assert abs(cal.size_key(5000) - 5000) / 5000 < 0.011 and cal.size_key(5000) == cal.size_key(5030)
    assert cal.sorted_sample_count(300) == cal.MAX_SORTED_SAMPLES and cal.sorted_sample_count(1000) == 400
    assert cal.sorted_sample_count(2000) == 200
    assert cal.sorted_sample_count(5000) == cal.MIN_SORTED_SAMPLES
    assert cal.sorted_sample_count(5000, 50) == 50
    assert cal.can_calibrate(500, 1000) and not cal.can_calibrate(501, 1000)


@pytest.mark.parametrize(
    "ref_chunks, size, references, chunks",
    [(5, 500, 30, 20), (50, 500, 6, 40), (10, 5000, 4, 10), (5, 50_000, 2, 4)],
)
def test_false_alert_rate_on_stable_data_is_within_alpha(ref_chunks, size, references, chunks):
    # Analysis drawn from the reference's distribution: the pooled per-chunk false-alert rate of all
    # methods must not exceed alpha by more than its sampling error (3 standard errors over the
    # independent references, at least the binomial error of the chunks a reference contributes).
    alpha = 0.01
    rates = []
    for r in range(references):
        rng = np.random.default_rng(1000 * size + r)
        n_ref, n_ana = ref_chunks * size, chunks * size
        ref = {"x": rng.lognormal(size=n_ref), "g": rng.choice(4, n_ref, p=SHARES)}
        ana = {"x": rng.lognormal(size=n_ana), "g": rng.choice(4, n_ana, p=SHARES)}
        _, res = run_step(make_data(ref, ana, size, categories={"g": CATS}))
        rec = alerting(res)
        assert rec["upper_threshold"].notna().all()
        rates.append(rec["alert"].astype(bool).mean())
    rates = np.array(rates)
    n_series = 10  # 5 methods on x, 5 on g
    binomial = np.sqrt(alpha * (1 - alpha) / (chunks * n_series))
    spread = rates.std(ddof=1) if references > 1 else binomial
    tolerance = 3 * max(spread, binomial) / np.sqrt(references)
    assert rates.mean() <= alpha + tolerance, (rates.mean(), tolerance)


def test_chunks_too_large_for_the_reference_fall_back_to_method_defaults():
    rng = np.random.default_rng(2)
    data = make_data({"x": rng.normal(size=3000)}, {"x": rng.normal(size=4000)}, 2000, ref_chunk_size=1000)
    _, res = run_step(data)
    js = res[(res.method == "jensen_shannon") & (res.period == "analysis")]
    assert (js["upper_threshold"] == 0.1).all()
    assert js["note"].str.contains("too large for the reference").all()
    ref_js = res[(res.method == "jensen_shannon") & (res.period == "reference")]
    assert (ref_js["upper_threshold"] < 0.1).all()  # 1,000-row reference chunks are calibrated


def test_chi2_falls_back_to_its_p_value_rule_when_chunks_are_too_large():
    rng = np.random.default_rng(3)
    data = make_data(
        {"g": rng.integers(0, 3, 3000)},
        {"g": rng.integers(0, 3, 4000)},
        2000,
        categories={"g": ("a", "b", "c")},
        ref_chunk_size=1000,
    )
    _, res = run_step(data)
    ana = res[(res.method == "chi2") & (res.period == "analysis")]
    stat, p = ana[ana.metric == "statistic"], ana[ana.metric == "p_value"]
    assert stat["upper_threshold"].isna().all() and stat["alert"].isna().all()
    assert (p["lower_threshold"] == 0.05).all() and p["alert"].notna().all()
    assert stat["note"].str.contains("p_value below 0.05").all()


def test_large_chunks_say_their_samples_were_rescaled():
    null = cal.NullDistribution.of(np.arange(10.0), size=5000, sampled_size=2000)
    assert (
        null.describe(9.5)
        == "above all 10 random reference samples of 2,000 rows rescaled to 5,000 (tail estimate p ≈ "
        + f"{null.p_values(np.array([9.5]))[0]:.1g})"
    )
