"""The univariate_drift step: detection, quiet on stable data, thresholds, notes, artifacts, config."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.drift.methods import UNIVARIATE_METHODS
from reportgen.errors import ConfigError
from reportgen.results import validate_results
from tests.drift.univariate_helpers import alerting, make_data, run_step

CATS = ("a", "b", "c", "d")
SHARES = np.array([0.4, 0.3, 0.2, 0.1])


def _stable(n_ref: int, n_ana: int, seed: int):
    rng = np.random.default_rng(seed)
    ref = {"x": rng.normal(size=n_ref), "g": rng.choice(4, n_ref, p=SHARES)}
    ana = {"x": rng.normal(size=n_ana), "g": rng.choice(4, n_ana, p=SHARES)}
    return ref, ana


def test_stable_chunks_rarely_alert_for_every_method():
    # 100 stable chunks of 500 rows against a 10,000-row reference, for 10 independent references:
    # each method's false-alert rate stays below 2% (alpha is 1%).
    alerts: dict = {}
    for seed in range(10):
        ref, ana = _stable(10_000, 100 * 500, seed=100 + seed)
        data = make_data(ref, ana, 500, categories={"g": CATS}, ref_chunk_size=1000)
        _, res = run_step(data)
        validate_results(res)
        rec = alerting(res)
        assert set(rec["method"]) == set(UNIVARIATE_METHODS.names())
        for key, grp in rec.groupby(["method", "column"]):
            assert len(grp) == 100
            alerts.setdefault(key, []).append(grp["alert"].astype(bool).mean())
    for key, rates in alerts.items():
        assert np.mean(rates) < 0.02, (key, rates)


def test_mean_shift_of_0_3_std_is_caught_in_the_chunk_where_it_starts():
    rng = np.random.default_rng(5)
    ref = {"x": rng.normal(size=10_000)}
    x = rng.normal(size=10 * 2000)
    x[12_000:] += 0.3
    data = make_data(ref, {"x": x}, 2000)
    _, res = run_step(data)
    rec = alerting(res)
    first = data.analysis_chunks[6].index
    early = 0
    for method, grp in rec.groupby("method"):
        flags = grp.set_index("chunk_index")["alert"].astype(bool)
        assert flags.loc[first:].all(), method
        early += int(flags.loc[: first - 1].sum())
    assert early <= 2  # false alerts before the shift: about 1% of 6 chunks x methods


def test_ten_point_category_share_shift_is_caught_in_the_chunk_where_it_starts():
    rng = np.random.default_rng(6)
    ref = {"g": rng.choice(4, 10_000, p=SHARES)}
    before = rng.choice(4, 6 * 2000, p=SHARES)
    after = rng.choice(4, 4 * 2000, p=[0.3, 0.4, 0.2, 0.1])  # 'a' loses 10 points to 'b'
    data = make_data(ref, {"g": np.concatenate([before, after])}, 2000, categories={"g": CATS})
    _, res = run_step(data)
    rec = alerting(res)
    first = data.analysis_chunks[6].index
    early = 0
    for method, grp in rec.groupby("method"):
        flags = grp.set_index("chunk_index")["alert"].astype(bool)
        assert flags.loc[first:].all(), method
        early += int(flags.loc[: first - 1].sum())
    assert early <= 2  # false alerts before the shift: about 1% of 6 chunks x methods


def test_reference_chunks_are_scored_leave_one_chunk_out():
    rng = np.random.default_rng(8)
    x = rng.normal(size=3000)
    data = make_data({"x": x}, {"x": rng.normal(size=1000)}, 1000)
    _, res = run_step(data)
    ks = res[(res.method == "kolmogorov_smirnov") & (res.metric == "statistic") & (res.period == "reference")]
    for c in data.reference_chunks:
        rest = np.concatenate([x[: c.start_row], x[c.end_row :]])
        expect = stats.ks_2samp(rest, x[c.start_row : c.end_row]).statistic
        assert ks.set_index("chunk_index").loc[c.index, "value"] == pytest.approx(expect, abs=1e-12)


def test_alerts_say_how_unusual_the_value_is_and_results_are_deterministic():
    rng = np.random.default_rng(9)
    x = rng.normal(size=4000)
    x[3000:] += 1.0
    data = make_data({"x": rng.normal(size=5000)}, {"x": x}, 1000)
    step, res = run_step(data)
    hit = res[(res.alert == True) & (res.method == "kolmogorov_smirnov")]  # noqa: E712
    assert len(hit) == 1
    assert "above all" in hit["note"].iloc[0] and "random reference samples of 1,000 rows" in hit["note"].iloc[0]
    _, again = run_step(data)
    pd.testing.assert_frame_equal(res, again)
    notes = {n["method"]: n for n in step.method_notes()}
    assert set(notes) == {"kolmogorov_smirnov", "wasserstein", "jensen_shannon", "hellinger", "psi"}
    assert "99% quantile" in notes["psi"]["thresholds"] and "x distance: upper" in notes["psi"]["thresholds"]


def test_configured_thresholds_override_the_calibrated_default():
    np.random.default_rng(10)
    ref, ana = _stable(5000, 5000, seed=10)
    cfg = {
        "thresholds": {
            "univariate_drift.jensen_shannon": {"type": "constant", "upper": 0.0},
            "univariate_drift.chi2.p_value": {"type": "constant", "lower": 0.05},
        }
    }
    data = make_data(ref, ana, 1000, categories={"g": CATS}, config=cfg)
    _, res = run_step(data)
    js = res[(res.method == "jensen_shannon")]
    assert (js["upper_threshold"] == 0.0).all() and js["alert"].astype(bool).all()
    p = res[(res.method == "chi2") & (res.metric == "p_value")]
    assert (p["lower_threshold"] == 0.05).all() and p["upper_threshold"].isna().all()
    assert (p["alert"].astype(bool) == (p["value"] < 0.05)).all()
    ks_p = res[(res.method == "kolmogorov_smirnov") & (res.metric == "p_value")]
    assert ks_p["alert"].isna().all()  # no rule configured for it


def test_method_default_thresholds_and_method_selection():
    ref, ana = _stable(5000, 5000, seed=12)
    data = make_data(
        ref,
        ana,
        1000,
        categories={"g": CATS},
        config={"drift": {"univariate": ["jensen_shannon", "chi2"], "default_threshold": "method_default"}},
    )
    _, res = run_step(data)
    assert set(res["method"]) == {"jensen_shannon", "chi2"}
    js = res[res.method == "jensen_shannon"]
    assert (js["upper_threshold"] == 0.1).all()
    chi = res[res.method == "chi2"]
    assert (chi[chi.metric == "p_value"]["lower_threshold"] == 0.05).all()
    assert chi[chi.metric == "statistic"]["alert"].isna().all()


def test_false_discovery_rate_keeps_strong_alerts_and_notes_them():
    rng = np.random.default_rng(13)
    ref = {f"x{i}": rng.normal(size=5000) for i in range(5)}
    ana = {f"x{i}": rng.normal(size=5000) for i in range(5)}
    ana["x0"][4000:] += 1.0
    data = make_data(ref, ana, 1000, config={"drift": {"false_discovery_rate": 0.05}})
    _, res = run_step(data)
    rec = alerting(res)
    flagged = rec[rec.alert == True]  # noqa: E712
    assert set(flagged["column"]) == {"x0"} and set(flagged["chunk_index"]) == {data.analysis_chunks[-1].index}
    assert flagged["note"].str.contains("Benjamini-Hochberg").all()


def test_missing_values_targets_and_unknown_methods():
    rng = np.random.default_rng(14)
    x = rng.normal(size=3000)
    x[1000:2000] = np.nan  # one analysis chunk without values
    data = make_data({"x": rng.normal(size=3000)}, {"x": x}, 1000)
    step, res = run_step(data)
    empty = res[res.chunk_index == data.analysis_chunks[1].index]
    assert empty["value"].isna().all() and empty["alert"].isna().all()
    assert (empty["note"] == "no non-missing values in this chunk").all()
    art = step.artifacts()["distributions"]["x"]
    assert art["kind"] == "continuous" and len(art["bin_edges"]) == 21 and sum(art["reference"]) == 3000
    assert (
        sum(art["chunks"][data.analysis_chunks[0].index]) == 1000
        and sum(art["chunks"][data.analysis_chunks[1].index]) == 0
    )
    with pytest.raises(ConfigError, match="did you mean 'hellinger'"):
        make_data({"x": x}, {"x": x}, 1000, config={"drift": {"univariate": ["helinger"]}})


def test_targets_are_reported_only_where_they_exist(binary_config):
    from reportgen import Monitor
    from tests.conftest import simulate_binary

    ref, ana = simulate_binary(3000, 0, seed=1), simulate_binary(3000, 3000, seed=2)
    report = Monitor(binary_config).run(ref, ana.drop(columns=["y"]))
    res = report.results
    target = res[(res.step == "univariate_drift") & (res.column == "y")]
    assert set(target["method"]) == {"chi2", "jensen_shannon", "hellinger", "l_infinity", "psi"}
    ana_t = target[target.period == "analysis"]
    assert ana_t["value"].isna().all() and (ana_t["note"] == "no targets in the analysis data").all()
    assert target[target.period == "reference"]["value"].notna().all()
    cols = set(res[res.step == "univariate_drift"]["column"])
    assert {"x", "cat", "y_pred", "y_pred_proba", "y"} <= cols


def test_drift_config_keys_are_validated():
    base = {"problem_type": "regression", "columns": {"prediction": "p"}}
    from reportgen.config import load_config

    with pytest.raises(ConfigError, match="drift.false_discovery_rate.*strictly between 0 and 1"):
        load_config(data={**base, "drift": {"false_discovery_rate": 5}})
    with pytest.raises(ConfigError, match="drift.default_threshold.*reference_quantile"):
        load_config(data={**base, "drift": {"default_threshold": "calibrated"}})
