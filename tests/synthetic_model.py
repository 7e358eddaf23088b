"""A synthetic ReportModel in the real result schema, for render tests and size/speed benchmarks.

Built with reportgen.results.make_results so it follows the contract exactly; the numbers are
simulated (a performance drop and drift in the last analysis chunks), not computed from data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.report import ReportModel, default_summary, results_records
from reportgen.results import concat_results, make_results

EVIL = "<script>alert(1)</script>"


def synthetic_model(
    n_features: int = 5,
    n_ref: int = 5,
    n_ana: int = 5,
    *,
    title: str = "Car loan default model",
    seed: int = 0,
    evil_column: bool = True,
    generated_at: str = "2024-06-03T06:00:00+00:00",
    metrics: tuple[str, ...] = ("roc_auc", "f1"),
) -> ReportModel:
    """A binary-classification model report with every section filled."""
    rng = np.random.default_rng(seed)
    n = n_ref + n_ana
    idx = np.arange(n)
    period = np.array(["reference"] * n_ref + ["analysis"] * n_ana, dtype=object)
    chunks = []
    start = pd.Timestamp("2024-01-01")
    for i in range(n):
        s = start + pd.Timedelta(weeks=i)
        chunks.append(
            {
                "index": i,
                "key": f"{s.isocalendar().year}-W{s.isocalendar().week:02d}",
                "period": period[i],
                "start_row": (i if i < n_ref else i - n_ref) * 1000,
                "end_row": ((i if i < n_ref else i - n_ref) + 1) * 1000,
                "start_time": s.isoformat(),
                "end_time": (s + pd.Timedelta(days=6, hours=23)).isoformat(),
                "rows": 1000,
            }
        )
    drift_start = n_ref + max(1, n_ana - 3)
    shift = np.where(idx >= drift_start, 1.0, 0.0)
    frames = []
    for k, metric in enumerate(metrics):
        base = 0.95 - 0.02 * k
        est = base - 0.06 * shift + rng.normal(0, 0.004, n)
        se = np.full(n, 0.01)
        ref_vals = est[:n_ref]
        lo, hi = (
            ref_vals.mean() - 3 * max(ref_vals.std(), 0.005),
            min(1.0, ref_vals.mean() + 3 * max(ref_vals.std(), 0.005)),
        )
        alert = np.where(period == "analysis", (est < lo) | (est > hi), False)
        frames.append(
            make_results(
                step="estimated_performance",
                method="cbpe",
                metric=metric,
                column=None,
                chunk_index=idx,
                period=period,
                value=est,
                sampling_error=se,
                lower_confidence=est - 3 * se,
                upper_confidence=est + 3 * se,
                lower_threshold=lo,
                upper_threshold=hi,
                alert=alert,
            )
        )
        real = est + rng.normal(0, 0.006, n) - 0.02 * shift
        real[-1] = np.nan  # labels not in yet for the last chunk
        ralert = np.where(period == "analysis", (real < lo) | (real > hi), False)
        frames.append(
            make_results(
                step="realized_performance",
                method="realized",
                metric=metric,
                column=None,
                chunk_index=idx,
                period=period,
                value=real,
                lower_threshold=lo,
                upper_threshold=hi,
                alert=ralert,
            )
        )
    bv = 41000 - 9000 * shift + rng.normal(0, 800, n)
    frames.append(
        make_results(
            step="business_value",
            method="cbpe",
            metric="business_value",
            column=None,
            chunk_index=idx,
            period=period,
            value=bv,
        )
    )
    frames.append(
        make_results(
            step="business_value",
            method="cbpe",
            metric="cumulative_business_value",
            column=None,
            chunk_index=idx,
            period=period,
            value=np.concatenate([np.cumsum(bv[:n_ref]), np.cumsum(bv[n_ref:])]),
        )
    )
    rbv = bv + rng.normal(0, 500, n)
    rbv[-1] = np.nan
    frames.append(
        make_results(
            step="business_value",
            method="realized",
            metric="business_value",
            column=None,
            chunk_index=idx,
            period=period,
            value=rbv,
        )
    )
    for method, metric, base, up in (
        ("pca_reconstruction", "reconstruction_error", 1.1, 1.25),
        ("domain_classifier", "roc_auc", 0.5, 0.56),
    ):
        v = base + (up - base + 0.05) * shift + rng.normal(0, 0.01, n)
        frames.append(
            make_results(
                step="multivariate_drift",
                method=method,
                metric=metric,
                column=None,
                chunk_index=idx,
                period=period,
                value=v,
                upper_threshold=up,
                alert=np.where(period == "analysis", v > up, False),
            )
        )
    features = [f"feature_{i:03d}" for i in range(n_features)]
    if evil_column and n_features:
        features[min(2, n_features - 1)] = EVIL
    cat_feature = features[1] if n_features > 1 else None
    for j, col in enumerate(features):
        drifts = j % 3 == 0
        s = shift if drifts else np.zeros(n)
        for method, metric, base, thr in (
            ("kolmogorov_smirnov", "statistic", 0.02, 0.05),
            ("jensen_shannon", "distance", 0.03, 0.07),
        ):
            if col == cat_feature and method == "kolmogorov_smirnov":
                method, metric = "chi2", "statistic"
            v = np.abs(base + 0.09 * s + rng.normal(0, 0.006, n))
            frames.append(
                make_results(
                    step="univariate_drift",
                    method=method,
                    metric=metric,
                    column=col,
                    chunk_index=idx,
                    period=period,
                    value=v,
                    upper_threshold=thr,
                    alert=np.where(period == "analysis", v > thr, False),
                )
            )
        miss = np.abs(0.01 + rng.normal(0, 0.002, n)) + (0.05 * shift if j == 1 else 0)
        frames.append(
            make_results(
                step="data_quality",
                method="missing_values",
                metric="rate",
                column=col,
                chunk_index=idx,
                period=period,
                value=miss,
                upper_threshold=0.02,
                alert=np.where(period == "analysis", miss > 0.02, False),
            )
        )
        for metric, val in (("mean", 10.0 + j), ("std", 2.0), ("min", -1.0), ("max", 30.0 + j)):
            frames.append(
                make_results(
                    step="summary_stats",
                    method="summary_stats",
                    metric=metric,
                    column=col,
                    chunk_index=idx,
                    period=period,
                    value=val + 0.5 * s + rng.normal(0, 0.05, n),
                )
            )
    results = concat_results(frames)
    dists: dict[str, Any] = {}
    for j, col in enumerate(features):
        if col == cat_feature:
            ref = np.array([500, 300, 200, 0, 0]) * n_ref
            chunks_d = {
                str(i): ([300, 300, 400, 0, 0] if i >= drift_start else [500, 300, 200, 0, 0]) for i in range(n)
            }
            dists[col] = {
                "kind": "categorical",
                "categories": ["car", "house", "student <loan>"],
                "reference": ref.tolist(),
                "chunks": chunks_d,
            }
        else:
            edges = np.linspace(-3, 3, 11)
            mids = (edges[:-1] + edges[1:]) / 2
            ref = np.round(1000 * np.exp(-(mids**2) / 2)).astype(int)
            shifted = np.round(1000 * np.exp(-((mids - 0.8) ** 2) / 2)).astype(int)
            dists[col] = {
                "kind": "continuous",
                "bin_edges": edges.tolist(),
                "reference": (ref * n_ref).tolist(),
                "chunks": {str(i): (shifted if (i >= drift_start and j % 3 == 0) else ref).tolist() for i in range(n)},
            }
    drifted = [c for j, c in enumerate(features) if j % 3 == 0]
    ana_keys = [c["key"] for c in chunks[drift_start:]]
    diagnoses = [
        {
            "code": "performance_drop_covariate_shift",
            "severity": "alert",
            "title": "Performance fell because inputs shifted",
            "summary": f"Estimated ROC AUC fell by about 0.06 from chunk {ana_keys[0]} while {', '.join(drifted[:3])} shifted.",
            "chunks": list(range(drift_start, n)),
            "chunk_keys": ana_keys,
            "features": drifted[:3],
            "evidence": [
                {"text": "Estimated ROC AUC below its lower threshold", "chunks": len(ana_keys), "drop": 0.06},
                f"Multivariate drift (PCA reconstruction) alerts in {len(ana_keys)} chunks",
            ],
            "actions": [
                "Retrain on recent data including the shifted period",
                f"Check the upstream source of {drifted[0]}",
            ],
            "value_at_stake": 27000.0,
        },
        {
            "code": "data_quality",
            "severity": "warning",
            "title": "Missing values rose",
            "summary": f"The missing rate of {features[1] if n_features > 1 else features[0]} rose above 2%.",
            "chunks": list(range(drift_start, n)),
            "features": [features[1] if n_features > 1 else features[0]],
            "evidence": ["Missing rate about 6% vs 1% in the reference"],
            "actions": ["Check the ETL job that fills this column"],
        },
    ]
    recommendations = [
        {
            "title": "Retrain on recent data",
            "detail": "The shift is lasting.",
            "severity": "alert",
            "diagnosis": "performance_drop_covariate_shift",
            "features": drifted[:3],
            "chunks": list(range(drift_start, n)),
            "value_at_stake": 27000.0,
        },
        {
            "title": f"Fix missing values in {features[1] if n_features > 1 else features[0]}",
            "detail": "",
            "severity": "warning",
            "diagnosis": "data_quality",
            "features": [],
            "chunks": [],
            "value_at_stake": None,
        },
    ]
    summary = default_summary(results)
    summary["sentence"] = (
        f"Estimated ROC AUC fell from 0.95 to 0.89 over the last {len(ana_keys)} weeks, most likely because "
        f"{' and '.join(drifted[:2])} shifted; expect about EUR 27,000 less value this month. Retrain on recent data."
    )
    notes = [
        {
            "step": "estimated_performance",
            "method": "cbpe",
            "title": "Confidence-based performance estimation (CBPE)",
            "description": "Estimates the confusion matrix of each chunk from calibrated predicted probabilities.",
            "thresholds": {"type": "standard_deviation", "lower": 0.93, "upper": 0.97, "reference chunks": n_ref},
        },
        {
            "step": "univariate_drift",
            "method": "kolmogorov_smirnov",
            "title": "Kolmogorov-Smirnov",
            "description": "The largest gap between the reference and chunk cumulative distributions.",
            "thresholds": "reference_quantile alpha 0.01: above 99% of same-size reference samples (0.05 at 1,000 rows)",
        },
    ]
    config = {
        "title": title,
        "problem_type": "binary_classification",
        "chunking": {"size": 1000},
        "thresholds": {"univariate_drift": {"type": "constant", "upper": 0.05}},
    }
    return ReportModel(
        title=title,
        problem_type="binary_classification",
        generated_at=generated_at,
        chunks=chunks,
        results=results_records(results),
        diagnoses=diagnoses,
        recommendations=recommendations,
        summary=summary,
        metadata={
            "model": title,
            "problem_type": "binary_classification",
            "currency": "EUR",
            "chunking": "weekly chunks",
            "reference": {
                "rows": 1000 * n_ref,
                "chunks": n_ref,
                "start": chunks[0]["start_time"],
                "end": chunks[n_ref - 1]["end_time"],
            },
            "analysis": {
                "rows": 1000 * n_ana,
                "chunks": n_ana,
                "start": chunks[n_ref]["start_time"],
                "end": chunks[-1]["end_time"],
            },
            "features": features,
        },
        config=config,
        method_notes=notes,
        distributions=dists,
        data_summary=[
            {
                "column": c,
                "kind": "categorical" if c == cat_feature else "continuous",
                "rows": 1000 * n,
                "missing": 10 * n,
                "missing_rate": 0.01,
            }
            for c in features
        ],
        versions={"reportgen": "0.1.0", "python": "3.11"},
        inputs=[{"role": "reference", "name": "reference.csv", "bytes": 123456, "sha256": "0" * 64}],
    )
