"""Univariate drift alerts against the generator's truth, reportgen next to NannyML 0.13.1.

For each problem type and seed (seeds the tests do not use), the default drift schedule is generated
and both tools score every feature per monthly chunk with the same methods at their default
thresholds. A (feature, month) pair is *drifted* when a covariate-shift scenario moved that feature in
that month; every other pair is *stable* (the concept-drift months move no input), except the
data-quality month, which is left out (missing and unseen values are data quality's business).
Printed per method: drifted pairs caught and stable pairs alerted, summed over all runs, plus the
union of methods per tool (what a reader sees: is this feature flagged in this month at all?).
`--scenario subtle` instead takes a stable year and applies small shifts (SUBTLE: a 0.25-std mean
shift, a 1.3x spread with the mean kept, 8 points of one category's share) to test sensitivity.

NannyML must live in a SEPARATE virtual environment (see compare_nannyml_performance.py):

    python benchmarks/compare_nannyml_drift.py --nannyml-python /tmp/nanny/bin/python [--seeds 11 12 13] [--rows 800 1500]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from reportgen.samples.generator import generate

from reportgen.monitor import Monitor

PROBLEMS = ("binary_classification", "multiclass_classification", "regression")
CATEGORICAL = ("salary_range", "region", "vehicle_type")
FEATURES = ("car_value", "debt_to_income", "loan_length", "driver_age", "annual_mileage", "income", *CATEGORICAL)
CONTINUOUS_METHODS = ("kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger")
CATEGORICAL_METHODS = ("chi2", "jensen_shannon", "l_infinity", "hellinger")
METHODS = ("kolmogorov_smirnov", "wasserstein", "jensen_shannon", "hellinger", "chi2", "l_infinity")

NANNYML_SCRIPT = r"""
import json, os, sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
import nannyml as nml
folder, feats, cats, cont, cat = sys.argv[1], *(json.loads(a) for a in sys.argv[2:6])
ref = pd.read_csv(f"{folder}/reference.csv", parse_dates=["timestamp"])
ana = pd.read_csv(f"{folder}/analysis.csv", parse_dates=["timestamp"])
for df in (ref, ana):
    for c in cats:
        df[c] = df[c].astype("category")
calc = nml.UnivariateDriftCalculator(column_names=feats, timestamp_column_name="timestamp", chunk_period="M",
                                     continuous_methods=cont, categorical_methods=cat).fit(ref)
r = calc.calculate(ana).filter(period="analysis").to_df()
keys = r[("chunk", "chunk", "key")].astype(str).tolist()
alerts = []
for (feature, method, field) in r.columns:
    if field == "alert" and feature != "chunk":
        alerts += [[feature, method, k] for k, a in zip(keys, r[(feature, method, field)]) if bool(a)]
print(json.dumps(alerts))
"""


SUBTLE = {  # (feature, months): the shifts of --scenario subtle, on a stable year
    "car_value": ("2024-03", "2024-04"),  # mean + 0.25 std
    "debt_to_income": ("2024-06", "2024-07"),  # spread x 1.3 around the mean, mean kept
    "salary_range": ("2024-09", "2024-10"),  # 8 points of share from 25k-45k to 70k+
}


def subtle_sample(problem: str, rows: int, seed: int, strength: float = 1.0):
    """A stable sample whose analysis period gets the SUBTLE shifts times `strength`; truth rewritten to match."""
    import numpy as np

    sample = generate(problem, None, rows_per_month=rows, seed=seed, scenario="stable")
    frame = sample.analysis.copy()
    rng = np.random.default_rng(seed + 1000)
    month = frame["timestamp"].str[:7]
    ref = sample.reference
    at = month.isin(SUBTLE["car_value"]).to_numpy()
    std = float(ref["car_value"].astype(float).std())
    frame.loc[at, "car_value"] = (
        (frame.loc[at, "car_value"].astype(float) + 0.25 * strength * std).round().astype("Int64")
    )
    at = month.isin(SUBTLE["debt_to_income"]).to_numpy()
    mean = float(ref["debt_to_income"].mean())
    frame.loc[at, "debt_to_income"] = (mean + (1 + 0.3 * strength) * (frame.loc[at, "debt_to_income"] - mean)).clip(
        0.0, 1.0
    )
    at = (month.isin(SUBTLE["salary_range"]) & (frame["salary_range"] == "25k-45k")).to_numpy()
    share = (
        0.08
        * strength
        / max(float((frame.loc[month.isin(SUBTLE["salary_range"]), "salary_range"] == "25k-45k").mean()), 1e-9)
    )
    move = at & (rng.random(len(frame)) < share)
    frame.loc[move, "salary_range"] = "70k+"
    sample.analysis = frame
    sample.truth = {
        **sample.truth,
        "scenarios": [
            {"name": f"subtle_{f}", "expected_diagnosis": "covariate_shift", "chunk_keys": list(k), "features": [f]}
            for f, k in SUBTLE.items()
        ],
    }
    return sample


def truth_pairs(truth: dict) -> tuple[set, set]:
    """(drifted (feature, month) pairs, months left out) from the generator's truth."""
    drifted, skip = set(), set()
    for sc in truth["scenarios"]:
        if sc["expected_diagnosis"].startswith(("performance_drop_covariate_shift", "covariate_shift")):
            drifted |= {(f, k) for f in sc["features"] for k in sc["chunk_keys"]}
        elif sc["expected_diagnosis"] == "data_quality":
            skip |= set(sc["chunk_keys"])
    return drifted, skip


def reportgen_alerts(sample) -> tuple[set, list[str]]:
    """{(feature, method, month)} alerted by reportgen's univariate drift, and the analysis months."""
    config = dict(sample.config)
    config["drift"] = {**config.get("drift", {}), "univariate": list(METHODS)}
    report = Monitor(config).run(sample.reference, sample.analysis, sample.targets)
    keys = {c["index"]: c["key"] for c in report.model.chunks}
    months = [c["key"] for c in report.model.chunks if c["period"] == "analysis"]
    frame = report.results
    uni = frame[(frame.step == "univariate_drift") & (frame.period == "analysis") & frame.column.isin(FEATURES)]
    uni = uni[uni.alert.fillna(False).astype(bool)]
    return {(r.column, r.method, keys[int(r.chunk_index)]) for r in uni.itertuples()}, months


def nannyml_alerts(python: str, folder: Path) -> set:
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
    args = [
        json.dumps(list(FEATURES)),
        json.dumps(list(CATEGORICAL)),
        json.dumps(list(CONTINUOUS_METHODS)),
        json.dumps(list(CATEGORICAL_METHODS)),
    ]
    out = subprocess.run(
        [python, "-c", NANNYML_SCRIPT, str(folder), *args], check=True, capture_output=True, text=True, env=env
    ).stdout
    return {tuple(a) for a in json.loads(out.strip().splitlines()[-1])}


def tally(alerts: set, drifted: set, skip: set, months: list[str], counts: dict, tool: str) -> None:
    """Add this run's caught / missed / false alerts per method and for the union of methods."""
    for method in (*METHODS, "any method"):
        for feature in FEATURES:
            kind_methods = CATEGORICAL_METHODS if feature in CATEGORICAL else CONTINUOUS_METHODS
            if method != "any method" and method not in kind_methods:
                continue
            for month in months:
                if month in skip:
                    continue
                hit = (
                    any((feature, m, month) in alerts for m in kind_methods)
                    if method == "any method"
                    else (feature, method, month) in alerts
                )
                c = counts[(tool, method)]
                if (feature, month) in drifted:
                    c["drifted"] += 1
                    c["caught"] += hit
                else:
                    c["stable"] += 1
                    c["false"] += hit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nannyml-python", required=True, help="python of a separate venv with nannyml==0.13.1")
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--rows", type=int, nargs="+", default=[800, 1500], help="rows per month")
    parser.add_argument(
        "--scenario",
        choices=("planted", "subtle"),
        default="planted",
        help="planted: the generator's default schedule; subtle: small shifts on a stable year (see SUBTLE)",
    )
    parser.add_argument(
        "--strength", type=float, default=1.0, help="scale of the subtle shifts (0.5: half a 0.25-std shift, ...)"
    )
    args = parser.parse_args()
    counts: dict = defaultdict(lambda: defaultdict(int))
    runs = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            for seed in args.seeds:
                for problem in PROBLEMS:
                    if args.scenario == "subtle":
                        sample = subtle_sample(problem, rows, seed, args.strength)
                    else:
                        sample = generate(problem, None, rows_per_month=rows, seed=seed, scenario="default")
                    folder = Path(tmp) / f"{problem}-{rows}-{seed}"
                    sample.write(folder)
                    drifted, skip = truth_pairs(sample.truth)
                    ours, months = reportgen_alerts(sample)
                    tally(ours, drifted, skip, months, counts, "reportgen")
                    tally(nannyml_alerts(args.nannyml_python, folder), drifted, skip, months, counts, "NannyML")
                    runs += 1
    print(
        f"{runs} runs ({len(PROBLEMS)} problem types x seeds {args.seeds} x rows/month {args.rows}); {args.scenario} shifts{f' x {args.strength:g}' if args.scenario == 'subtle' else ''}; default thresholds of each tool"
    )
    print(
        f"{'method':20s} {'reportgen caught':>17s} {'reportgen false':>16s} {'NannyML caught':>15s} {'NannyML false':>14s}"
    )
    for method in (*METHODS, "any method"):
        ours, theirs = counts[("reportgen", method)], counts[("NannyML", method)]
        print(
            f"{method:20s} {ours['caught']:>8d}/{ours['drifted']:<8d} {ours['false']:>7d}/{ours['stable']:<8d} "
            f"{theirs['caught']:>7d}/{theirs['drifted']:<7d} {theirs['false']:>6d}/{theirs['stable']:<7d}"
        )


if __name__ == "__main__":
    main()
