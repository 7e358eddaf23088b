"""Estimation accuracy against NannyML 0.13.1 on the sample data, same (monthly) chunking.

Prints the mean |estimated - realized| per analysis chunk for CBPE (roc_auc, f1, accuracy; binary
and multiclass) and DLE (rmse, mae), for reportgen and NannyML, over all analysis months and over
the months without planted concept drift (which no label-free estimator can see). The realized
values are reportgen's (equal to scikit-learn's, see tests/performance).

NannyML must live in a SEPARATE virtual environment, never in reportgen's:

    python -m venv /tmp/nanny && /tmp/nanny/bin/pip install nannyml==0.13.1 'pandas<2.3' statsmodels
    python benchmarks/compare_nannyml_performance.py --nannyml-python /tmp/nanny/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "data"
CONCEPT_DRIFT_MONTHS = ("2024-07", "2024-08")
PROBLEMS = {
    "binary_classification": ("cbpe", ["roc_auc", "f1", "accuracy"]),
    "multiclass_classification": ("cbpe", ["roc_auc", "f1", "accuracy"]),
    "regression": ("dle", ["rmse", "mae"]),
}

NANNYML_SCRIPT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
import nannyml as nml
base = sys.argv[1]
cats = ("salary_range", "region", "vehicle_type")
feats = ["car_value", "debt_to_income", "loan_length", "driver_age", "annual_mileage", "income", *cats]
def load(prob):
    ref = pd.read_csv(f"{base}/{prob}/reference.csv", parse_dates=["timestamp"])
    ana = pd.read_csv(f"{base}/{prob}/analysis.csv", parse_dates=["timestamp"])
    for df in (ref, ana):
        for c in cats:
            df[c] = df[c].astype("category")
    return ref, ana
out = {}
t = time.process_time()
ref, ana = load("binary_classification")
est = nml.CBPE(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="repaid", timestamp_column_name="timestamp",
               metrics=["roc_auc", "f1", "accuracy"], chunk_period="M", problem_type="classification_binary").fit(ref)
r = est.estimate(ana).filter(period="analysis").to_df()
out["binary_classification"] = {m: r[(m, "value")].tolist() for m in ["roc_auc", "f1", "accuracy"]}
ref, ana = load("multiclass_classification")
est = nml.CBPE(y_pred_proba={"A": "y_pred_proba_A", "B": "y_pred_proba_B", "C": "y_pred_proba_C"}, y_pred="y_pred",
               y_true="credit_grade", timestamp_column_name="timestamp", metrics=["roc_auc", "f1", "accuracy"],
               chunk_period="M", problem_type="classification_multiclass").fit(ref)
r = est.estimate(ana).filter(period="analysis").to_df()
out["multiclass_classification"] = {m: r[(m, "value")].tolist() for m in ["roc_auc", "f1", "accuracy"]}
ref, ana = load("regression")
est = nml.DLE(feature_column_names=feats, y_pred="y_pred", y_true="loss_amount", timestamp_column_name="timestamp",
              metrics=["rmse", "mae"], chunk_period="M", tune_hyperparameters=False).fit(ref)
r = est.estimate(ana).filter(period="analysis").to_df()
out["regression"] = {m: r[(m, "value")].tolist() for m in ["rmse", "mae"]}
out["cpu_seconds"] = time.process_time() - t
print(json.dumps(out))
"""


def nannyml_estimates(python: str) -> dict:
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
    done = subprocess.run(
        [python, "-c", NANNYML_SCRIPT, str(SAMPLES)], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def reportgen_values(problem: str, method: str, metrics: list[str]) -> tuple[dict, dict, list[str]]:
    from reportgen.config import load_config
    from reportgen.io import load_inputs, prepare_data
    from reportgen.performance.cbpe import CBPE
    from reportgen.performance.dle import DLE
    from reportgen.performance.realized import RealizedPerformance

    cfg = load_config(SAMPLES / problem / "config.yaml")
    ref, ana, tgt, src = load_inputs(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(cfg, ref, ana, tgt, sources=src)
    cls = CBPE if method == "cbpe" else DLE
    est = cls.from_config(cfg).fit(data.reference, data.reference_chunks, cfg).run(data)
    real = RealizedPerformance.from_config(cfg).fit(data.reference, data.reference_chunks, cfg).run(data)

    def pick(frame, m):
        sel = frame[(frame["metric"] == m) & (frame["period"] == "analysis") & frame["column"].isna()]
        return sel.sort_values("chunk_index")["value"].to_numpy(dtype=float)

    return (
        {m: pick(est, m) for m in metrics},
        {m: pick(real, m) for m in metrics},
        [c.key for c in data.analysis_chunks],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nannyml-python", default="/tmp/nanny/bin/python")
    args = parser.parse_args()
    nm = nannyml_estimates(args.nannyml_python)
    print(f"{'problem':27s} {'metric':9s} {'reportgen':>10s} {'NannyML':>10s} {'rg w/o CD':>10s} {'NML w/o CD':>10s}")
    for problem, (method, metrics) in PROBLEMS.items():
        est, real, keys = reportgen_values(problem, method, metrics)
        keep = np.array([k not in CONCEPT_DRIFT_MONTHS for k in keys])
        for m in metrics:
            ours = np.abs(est[m] - real[m])
            theirs = np.abs(np.asarray(nm[problem][m], dtype=float) - real[m])
            print(
                f"{problem:27s} {m:9s} {ours.mean():10.4f} {theirs.mean():10.4f} {ours[keep].mean():10.4f} {theirs[keep].mean():10.4f}"
            )


if __name__ == "__main__":
    main()
