"""PCA reconstruction error: equals scikit-learn by hand, stays quiet on stable data, catches a correlation flip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from reportgen.config import validate_config
from reportgen.dataset import Column
from reportgen.drift.multivariate import PCAReconstructionDrift, bootstrap_mean_null, size_groups
from reportgen.drift.pca import PCAReconstructor, n_components_for
from reportgen.errors import NotFittedError
from reportgen.io import prepare_data


def frame(x: np.ndarray, cats: dict[str, np.ndarray] | None = None, start: int = 0) -> pd.DataFrame:
    n = len(x)
    df = pd.DataFrame({f"x{j}": x[:, j] for j in range(x.shape[1])})
    for name, values in (cats or {}).items():
        df[name] = values
    p = np.full(n, 0.5)
    df["y_pred_proba"] = p
    df["y_pred"] = (np.arange(n) % 2).astype(int)
    df["y"] = (np.arange(n) % 2).astype(int)
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n), unit="min")
    return df


def config(features: list[str], chunk_size: int, **extra) -> object:
    return validate_config(
        {
            "problem_type": "binary_classification",
            "columns": {
                "timestamp": "timestamp",
                "prediction": "y_pred",
                "predicted_probability": "y_pred_proba",
                "target": "y",
                "features": features,
            },
            "chunking": {"size": chunk_size, "min_rows": 1},  # unit tests use tiny chunks on purpose
            **extra,
        }
    )


def run_step(
    ref: pd.DataFrame, ana: pd.DataFrame, features: list[str], chunk_size: int, **extra
) -> tuple[pd.DataFrame, PCAReconstructionDrift]:
    cfg = config(features, chunk_size, **extra)
    data = prepare_data(cfg, ref, ana)
    step = PCAReconstructionDrift.from_config(cfg)
    step.fit(data.reference, data.reference_chunks, cfg)
    return step.run(data), step


def correlated(n: int, rho: float, seed: int, p_noise: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, rho], [rho, 1.0]])
    x = rng.multivariate_normal([0.0, 0.0], cov, size=n)
    if p_noise:
        x = np.column_stack([x, rng.normal(size=(n, p_noise))])
    return x


def test_errors_equal_sklearn_by_hand_with_missing_unseen_and_categorical():
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(size=(n, 4))
    x[:, 1] += 0.8 * x[:, 0]
    x[rng.random(n) < 0.05, 2] = np.nan
    codes = rng.choice(3, n, p=[0.5, 0.3, 0.2]).astype(np.int32)
    codes[rng.random(n) < 0.03] = 4  # missing
    cols = {f"x{j}": Column(f"x{j}", "continuous", x[:, j]) for j in range(4)}
    cols["c"] = Column("c", "categorical", codes, ("a", "b", "c"))
    rec = PCAReconstructor(0.65).fit(cols, [(0, n)])

    # by hand: mean / most-frequent imputation, frequency encoding, StandardScaler, PCA(0.65)
    X = x.copy()
    X[np.isnan(X[:, 2]), 2] = np.nanmean(x[:, 2])
    seen = codes < 3
    freq = np.bincount(codes[seen], minlength=3) / seen.sum()
    enc = np.where(seen, freq[np.minimum(codes, 2)], freq[np.argmax(freq)])
    X = np.column_stack([X, enc])
    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    pca = PCA(n_components=0.65, svd_solver="full").fit(Z)
    expected = np.linalg.norm(Z - pca.inverse_transform(pca.transform(Z)), axis=1)
    assert rec.n_components_ == pca.n_components_
    np.testing.assert_allclose(rec.row_errors(cols), expected, rtol=1e-9, atol=1e-10)

    # new rows: an unseen category encodes as frequency 0, NaN as the reference mean
    new_x = rng.normal(size=(5, 4))
    new_x[0, 2] = np.nan
    new_codes = np.array([0, 1, 2, 3, 4], dtype=np.int32)  # 3 = unseen, 4 = missing
    new_cols = {f"x{j}": Column(f"x{j}", "continuous", new_x[:, j]) for j in range(4)}
    new_cols["c"] = Column("c", "categorical", new_codes, ("a", "b", "c"))
    N = new_x.copy()
    N[0, 2] = np.nanmean(x[:, 2])
    N = np.column_stack([N, [freq[0], freq[1], freq[2], 0.0, freq.max()]])
    Zn = scaler.transform(N)
    expected_new = np.linalg.norm(Zn - pca.inverse_transform(pca.transform(Zn)), axis=1)
    np.testing.assert_allclose(rec.row_errors(new_cols), expected_new, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(
        rec.chunk_means(new_cols, [(0, 2), (2, 5)]), [expected_new[:2].mean(), expected_new[2:].mean()], rtol=1e-12
    )


def test_reference_chunks_are_scored_leave_one_chunk_out():
    x = correlated(4000, 0.7, seed=1, p_noise=2)
    cols = {f"x{j}": Column(f"x{j}", "continuous", x[:, j]) for j in range(4)}
    bounds = [(0, 1000), (1000, 2000), (2000, 3000), (3000, 4000)]
    rec = PCAReconstructor(0.65).fit(cols, bounds)
    Z = StandardScaler().fit_transform(x)  # scaler of the whole reference, PCA without the chunk
    for c, (s, e) in enumerate(bounds):
        rest = np.r_[0:s, e:4000]
        pca = PCA(n_components=rec.n_components_, svd_solver="full").fit(Z[rest])
        expected = np.linalg.norm(Z[s:e] - pca.inverse_transform(pca.transform(Z[s:e])), axis=1)
        start = sum(b - a for a, b in bounds[:c])
        np.testing.assert_allclose(rec.reference_errors_[start : start + e - s], expected, rtol=1e-9)
    # out of sample means not favoured: the in-sample errors of the reference are lower on average
    assert rec.reference_errors_.mean() > rec.row_errors(cols).mean()


def test_n_components_follows_sklearns_rule():
    ratio = np.array([0.5, 0.15, 0.15, 0.2])
    assert n_components_for(ratio, 0.65) == 3  # cumulative 0.65 is not "above" 0.65
    assert n_components_for(ratio, 0.6) == 2
    assert n_components_for(ratio, 1.0) == 4


def test_stable_data_stays_within_thresholds():
    ref = frame(correlated(20_000, 0.8, seed=2, p_noise=3))
    ana = frame(correlated(50_000, 0.8, seed=3, p_noise=3), start=20_000)
    feats = [f"x{j}" for j in range(5)]
    res, step = run_step(ref, ana, feats, 500)
    assert (res["metric"] == "reconstruction_error").all() and (res["method"] == "pca_reconstruction").all()
    analysis = res[res["period"] == "analysis"]
    assert len(analysis) == 100
    # alpha = 0.01 per chunk: expect ~1 false alert in 100 chunks; 4 or more would be very unlikely (p < 0.02)
    assert analysis["alert"].sum() <= 3
    assert (res["upper_threshold"] > res.loc[res["period"] == "reference", "value"].mean()).all()
    assert res["lower_threshold"].isna().all()
    note = step.method_notes()[0]
    assert "quantile" in note["thresholds"] and "500 rows" in note["thresholds"]


def test_correlation_flip_is_caught_by_pca_but_not_by_univariate_tests():
    # the classic example: both marginals stay N(0, 1); only the correlation flips from +0.9 to -0.9
    ref = frame(correlated(10_000, 0.9, seed=4))
    ana_x = np.concatenate([correlated(5_000, 0.9, seed=5), correlated(5_000, -0.9, seed=6)])
    ana = frame(ana_x, start=10_000)
    res, _ = run_step(ref, ana, ["x0", "x1"], 1000)
    analysis = res[res["period"] == "analysis"].reset_index(drop=True)
    assert not analysis["alert"][:5].any()
    assert analysis["alert"][5:].all()
    assert (analysis["value"][5:] > 2 * analysis["value"][:5].max()).all()
    # univariate: Kolmogorov-Smirnov (scipy) finds nothing in the flipped chunks
    ref_x = ref[["x0", "x1"]].to_numpy()
    for chunk in range(5, 10):
        rows = ana_x[chunk * 1000 : (chunk + 1) * 1000]
        for j in range(2):
            assert ks_2samp(rows[:, j], ref_x[:, j]).pvalue > 0.01


def test_configured_standard_deviation_rule_uses_reference_chunks():
    ref = frame(correlated(10_000, 0.8, seed=7, p_noise=1))
    ana = frame(correlated(5_000, 0.8, seed=8, p_noise=1), start=10_000)
    feats = ["x0", "x1", "x2"]
    res, step = run_step(
        ref, ana, feats, 1000, thresholds={"multivariate_drift.pca_reconstruction": {"type": "standard_deviation"}}
    )
    ref_vals = res.loc[res["period"] == "reference", "value"].to_numpy()
    assert np.allclose(res["upper_threshold"], ref_vals.mean() + 3 * ref_vals.std(ddof=1))
    assert "standard deviations" in step.method_notes()[0]["thresholds"]


def test_all_components_kept_reports_no_value():
    ref = frame(correlated(2_000, 0.0, seed=9))
    ana = frame(correlated(2_000, 0.0, seed=10), start=2_000)
    res, _ = run_step(ref, ana, ["x0", "x1"], 500)  # two independent features: 65% needs both
    assert res["value"].isna().all() and not res["alert"].any()
    assert res["note"].str.contains("zero by construction").all()
    # a constant feature adds a zero-variance direction: one informative feature plus it is still exact
    ref["k"], ana["k"] = 1.0, 1.0
    res, _ = run_step(ref, ana, ["x0", "k"], 500)
    assert res["value"].isna().all() and not res["alert"].any()


def test_run_before_fit_fails_and_output_is_deterministic():
    with pytest.raises(NotFittedError):
        PCAReconstructionDrift().run(None)  # type: ignore[arg-type]
    ref = frame(correlated(3_000, 0.8, seed=11, p_noise=2))
    ana = frame(correlated(3_000, 0.8, seed=12, p_noise=2), start=3_000)
    feats = ["x0", "x1", "x2", "x3"]
    a, _ = run_step(ref, ana, feats, 500)
    b, _ = run_step(ref, ana, feats, 500)
    pd.testing.assert_frame_equal(a, b)


def test_size_groups_and_bootstrap_null():
    groups = size_groups([1000, 1005, 1100, 5000])
    assert groups[1000] == groups[1005] != groups[1100]  # a 2% grid (reportgen.drift.calibration.size_key)
    assert abs(groups[5000] - 5000) <= 0.01 * 5000
    errors = np.random.default_rng(0).exponential(size=50_000)
    null = bootstrap_mean_null(errors, 400, 2000, (0, 1, 400))
    # the mean of 400 draws: centred on the mean, spread sd / sqrt(400)
    assert abs(null.mean() - errors.mean()) < 0.01
    assert abs(null.std() - errors.std() / 20) < 0.1 * errors.std() / 20
    np.testing.assert_array_equal(null, bootstrap_mean_null(errors, 400, 2000, (0, 1, 400)))


def test_config_selects_the_multivariate_methods():
    from reportgen.drift.domain_classifier_drift import DomainClassifierDrift

    both = config(["x0", "x1"], 500)
    only_pca = config(["x0", "x1"], 500, drift={"multivariate": ["pca_reconstruction"], "pca_variance": 0.5})
    assert isinstance(DomainClassifierDrift.from_config(both), DomainClassifierDrift)
    assert DomainClassifierDrift.from_config(only_pca) is None
    step = PCAReconstructionDrift.from_config(only_pca)
    assert step is not None and step.variance == 0.5
    method_default = config(["x0", "x1"], 500, drift={"default_threshold": "method_default"})
    from reportgen.drift.multivariate import resolve_rule

    assert resolve_rule(method_default, "pca_reconstruction", "reconstruction_error").type == "standard_deviation"
    assert resolve_rule(both, "pca_reconstruction", "reconstruction_error").type == "reference_quantile"


def test_large_chunks_are_calibrated_by_scaling_the_spread():
    ref = frame(correlated(36_000, 0.8, seed=13, p_noise=2))
    ana = frame(correlated(24_000, 0.8, seed=14, p_noise=2), start=30_000)
    res, step = run_step(ref, ana, ["x0", "x1", "x2", "x3"], 12_000)
    rec = step.reconstructor_
    upper = res["upper_threshold"].iloc[-1]
    # the bootstrap at 12,000 rows is normal: mean + z(0.99) * sd / sqrt(12,000), within the draws' noise
    expected = rec.reference_error_mean_ + 2.326 * rec.reference_error_std_ / np.sqrt(12_000)
    assert abs(upper - expected) < 0.15 * (expected - rec.reference_error_mean_)
    assert not res["alert"].any()
