"""The car-loan workflow, reportgen next to NannyML 0.13.1, timed in the same minutes (CPU s and wall).

The bundled generator writes a binary car-loan sample (a year of reference, ten months of
analysis; `--rows-per-month 25000` gives 250k analysis and 300k reference rows). Then, alternating
`--repeats` times so both tools see the same machine load:
- reportgen: `reportgen run config.yaml --format html,pdf,json --quiet` (every default step:
  realized performance, CBPE, business value, univariate drift, PCA reconstruction, domain
  classifier, data quality, summary statistics, diagnoses, the HTML and PDF report, results.json);
- NannyML: the same analyses with its calculators at their defaults (monthly chunks): CBPE and
  realized performance (roc_auc, f1, precision, recall, specificity, accuracy), univariate drift
  (Kolmogorov-Smirnov and Jensen-Shannon for continuous, chi2 and Jensen-Shannon for categorical
  features), data reconstruction (PCA) drift, domain classifier, missing and unseen values, each
  result's plot written as HTML (NannyML has no report; its plots are the closest thing).
Each run is a subprocess; CPU s = its user + system time (getrusage of children), so imports count
for both. The ratio is NannyML / reportgen. NannyML lives in a SEPARATE virtual environment:

    python -m venv /tmp/nanny && /tmp/nanny/bin/pip install nannyml==0.13.1 'pandas<2.3' statsmodels
    python benchmarks/compare_nannyml_speed.py --nannyml-python /tmp/nanny/bin/python [--rows-per-month 25000] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FEATURES = (
    "car_value",
    "debt_to_income",
    "loan_length",
    "driver_age",
    "annual_mileage",
    "income",
    "salary_range",
    "region",
    "vehicle_type",
)
CATEGORICAL = ("salary_range", "region", "vehicle_type")

NANNYML_SCRIPT = r"""
import sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
import nannyml as nml
folder, out = sys.argv[1], sys.argv[2]
features, cats = sys.argv[3].split(","), sys.argv[4].split(",")
ref = pd.read_csv(f"{folder}/reference.csv", parse_dates=["timestamp"])
ana = pd.read_csv(f"{folder}/analysis.csv", parse_dates=["timestamp"])
ana = ana.merge(pd.read_csv(f"{folder}/analysis_targets.csv"), on="id", how="left")
for df in (ref, ana):
    for c in cats:
        df[c] = df[c].astype("category")
common = dict(timestamp_column_name="timestamp", chunk_period="M")
metrics = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]
perf = dict(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="repaid", problem_type="classification_binary", metrics=metrics)
calculators = {
    "cbpe": nml.CBPE(**perf, **common),
    "realized": nml.PerformanceCalculator(**perf, **common),
    "univariate": nml.UnivariateDriftCalculator(column_names=features, continuous_methods=["kolmogorov_smirnov", "jensen_shannon"],
                                                categorical_methods=["chi2", "jensen_shannon"], **common),
    "reconstruction": nml.DataReconstructionDriftCalculator(column_names=features, **common),
    "domain_classifier": nml.DomainClassifierCalculator(feature_column_names=features, **common),
    "missing": nml.MissingValuesCalculator(column_names=features, **common),
    "unseen": nml.UnseenValuesCalculator(column_names=cats, **common),
}
for name, calc in calculators.items():
    calc.fit(ref)
    result = calc.estimate(ana) if name == "cbpe" else calc.calculate(ana)
    result.to_df()
    result.plot().write_html(f"{out}/{name}.html")
"""


def child_cpu() -> float:
    """User + system CPU seconds of the finished child processes."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU s, wall s) of one subprocess run; fails loudly if it fails."""
    cpu0, wall0 = child_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return child_cpu() - cpu0, time.perf_counter() - wall0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nannyml-python", required=True, help="python of a venv with nannyml==0.13.1")
    parser.add_argument("--rows-per-month", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--data", default=None, help="reuse (or write) the generated sample in this folder")
    args = parser.parse_args()
    from reportgen.samples.generator import generate

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data or Path(tmp) / "data")
        if not (data / "config.yaml").exists():
            generate("binary_classification", data, rows_per_month=args.rows_per_month, seed=7)
        cli = str(Path(sys.executable).with_name("reportgen"))  # the console script of this environment
        reportgen = [cli, "run", str(data / "config.yaml"), "--quiet"]
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
        rows = []
        for i in range(args.repeats):
            out_r, out_n = Path(tmp) / f"reportgen{i}", Path(tmp) / f"nannyml{i}"
            out_n.mkdir()
            r = timed([*reportgen, "--out", str(out_r), "--format", "html,pdf,json"], env)
            n = timed(
                [
                    args.nannyml_python,
                    "-c",
                    NANNYML_SCRIPT,
                    str(data),
                    str(out_n),
                    ",".join(FEATURES),
                    ",".join(CATEGORICAL),
                ],
                # NannyML otherwise sends usage statistics and retries when there is no network
                {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"},
            )
            rows.append((r, n))
            print(
                f"run {i + 1}: reportgen {r[0]:.1f} CPU s ({r[1]:.1f} s wall), NannyML {n[0]:.1f} CPU s ({n[1]:.1f} s wall): "
                f"{n[0] / r[0]:.1f}x CPU, {n[1] / r[1]:.1f}x wall; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    cpu = sum(n[0] for _, n in rows) / sum(r[0] for r, _ in rows)
    wall = sum(n[1] for _, n in rows) / sum(r[1] for r, _ in rows)
    print(f"{args.rows_per_month * 10:,} analysis rows: NannyML / reportgen = {cpu:.1f}x CPU, {wall:.1f}x wall")


if __name__ == "__main__":
    main()
