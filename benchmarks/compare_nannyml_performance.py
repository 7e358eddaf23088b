"""Estimation accuracy against NannyML 0.13.1: mean |estimated - realized| per chunk, per dataset and metric.

Datasets: reportgen's sample data (monthly chunks), the datasets shipped inside NannyML's wheel (read
from the installed package, never copied), and scikit-learn's bundled tabular sets with a model of
our own and injected shifts (stable chunks, covariate shift inside the reference's support, out of
its support, label shift). Every estimator (reportgen's methods and NannyML's CBPE / DLE) sees the
same reference and analysis rows and the same chunks; realized values are reportgen's (equal to
scikit-learn's, see tests/performance). Also prints the trust flag's hit rate: the share of chunks
whose error exceeds three sampling errors that are flagged low, and the share of the others flagged.

NannyML must live in a SEPARATE virtual environment, never in reportgen's:

    python -m venv /tmp/nanny && /tmp/nanny/bin/pip install nannyml==0.13.1 'pandas<2.3' statsmodels
    python benchmarks/compare_nannyml_performance.py --nannyml-python /tmp/nanny/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "data"
METRICS = {
    "binary_classification": ["roc_auc", "f1", "accuracy"],
    "multiclass_classification": ["roc_auc", "f1", "accuracy"],
    "regression": ["rmse", "mae"],
}


@dataclass
class Case:
    """One benchmark dataset: reference and analysis rows (analysis with targets), roles, chunk size."""

    name: str
    problem: str
    reference: pd.DataFrame
    analysis: pd.DataFrame
    target: str
    prediction: str
    features: list[str]
    categorical: list[str] = field(default_factory=list)
    proba: str | dict[str, str] | None = None
    chunk_size: int | None = None
    period: str | None = None
    timestamp: str | None = None
    shift: list[str] = field(default_factory=list)  # per analysis chunk: stable | inside | outside | label


# --- datasets ------------------------------------------------------------------------------------


def nannyml_data_dir(python: str) -> Path:
    """The `datasets/data` folder of the NannyML installed in the other environment."""
    code = "import os, nannyml.datasets as d; print(os.path.join(os.path.dirname(d.__file__), 'data'))"
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, env=env)
    return Path(out.stdout.strip().splitlines()[-1])


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".pq" else pd.read_csv(path)


def nannyml_cases(data: Path) -> Iterator[Case]:
    """NannyML's shipped datasets, analysis joined with its targets, chunks of the size its docs use."""

    def load(ref: str, ana: str, tgt: str, key: str = "id") -> tuple[pd.DataFrame, pd.DataFrame]:
        a = _read(data / ana).merge(_read(data / tgt), on=key, how="left")
        return _read(data / ref), a

    ref, ana = load(
        "synthetic_car_loan_reference.csv", "synthetic_car_loan_analysis.csv", "synthetic_car_loan_analysis_target.csv"
    )
    feats = [
        "car_value",
        "salary_range",
        "debt_to_income_ratio",
        "loan_length",
        "repaid_loan_on_prev_car",
        "size_of_downpayment",
        "driver_tenure",
    ]
    yield Case(
        "nml_car_loan",
        "binary_classification",
        ref,
        ana,
        "repaid",
        "y_pred",
        feats,
        ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"],
        "y_pred_proba",
        5000,
    )
    ref, ana = load(
        "synthetic_car_loan_dq_reference.csv",
        "synthetic_car_loan_dq_analysis.csv",
        "synthetic_car_loan_analysis_target.csv",
    )
    yield Case(
        "nml_car_loan_dq",
        "binary_classification",
        ref,
        ana,
        "repaid",
        "y_pred",
        feats,
        ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"],
        "y_pred_proba",
        5000,
    )
    ref, ana = load(
        "synthetic_sample_reference.csv", "synthetic_sample_analysis.csv", "synthetic_sample_analysis_gt.csv"
    )
    feats = [
        "distance_from_office",
        "salary_range",
        "gas_price_per_litre",
        "public_transportation_cost",
        "wfh_prev_workday",
        "workday",
        "tenure",
    ]
    yield Case(
        "nml_work_from_home",
        "binary_classification",
        ref,
        ana,
        "work_home_actual",
        "y_pred",
        feats,
        ["salary_range", "wfh_prev_workday", "workday"],
        "y_pred_proba",
        5000,
    )
    ref, ana = load(
        "california_housing_reference.csv", "california_housing_analysis.csv", "california_housing_analysis_gt.csv"
    )
    feats = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]
    yield Case(
        "nml_california_housing",
        "binary_classification",
        ref,
        ana,
        "clf_target",
        "y_pred",
        feats,
        [],
        "y_pred_proba",
        500,
    )
    ref, ana = load("employment_MA_reference.pq", "employment_MA_analysis.pq", "employment_MA_analysis_target.pq")
    feats = [
        c
        for c in ref.columns
        if c
        not in ("id", "timestamp", "employed", "prediction", "predicted_probability", "y_pred", "y_pred_proba", "year")
    ]
    pred = "prediction" if "prediction" in ref.columns else "y_pred"
    proba = "predicted_probability" if "predicted_probability" in ref.columns else "y_pred_proba"
    cats = [c for c in feats if c not in ("AGEP", "SCHL", "WKHP")]
    yield Case("nml_employment_ma", "binary_classification", ref, ana, "employed", pred, feats, cats, proba, 5000)
    ref, ana = load("mc_reference.csv", "mc_analysis.csv", "mc_analysis_gt.csv")
    feats = [
        "acq_channel",
        "app_behavioral_score",
        "requested_credit_limit",
        "app_channel",
        "credit_bureau_score",
        "stated_income",
        "is_customer",
    ]
    proba = {k: f"y_pred_proba_{k}" for k in ("prepaid_card", "highstreet_card", "upmarket_card")}
    yield Case(
        "nml_multiclass_credit_card",
        "multiclass_classification",
        ref,
        ana,
        "y_true",
        "y_pred",
        feats,
        ["acq_channel", "app_channel", "is_customer"],
        proba,
        6000,
    )
    ref, ana = load(
        "regression_synthetic_reference.csv",
        "regression_synthetic_analysis.csv",
        "regression_synthetic_analysis_targets.csv",
    )
    feats = ["car_age", "km_driven", "price_new", "accident_count", "door_count", "fuel", "transmission"]
    yield Case("nml_car_price", "regression", ref, ana, "y_true", "y_pred", feats, ["fuel", "transmission"], None, 6000)


def sample_cases() -> Iterator[Case]:
    """reportgen's own sample data, monthly chunks (as the demo runs it)."""
    specs = {
        "binary_classification": ("repaid", "y_pred_proba"),
        "multiclass_classification": ("credit_grade", {k: f"y_pred_proba_{k}" for k in "ABC"}),
        "regression": ("loss_amount", None),
    }
    cats = ["salary_range", "region", "vehicle_type"]
    for problem, (target, proba) in specs.items():
        ref = pd.read_csv(SAMPLES / problem / "reference.csv")
        ana = pd.read_csv(SAMPLES / problem / "analysis.csv").merge(
            pd.read_csv(SAMPLES / problem / "analysis_targets.csv"), on="id", how="left"
        )
        skip = {"id", "timestamp", target, "y_pred"} | (
            {proba} if isinstance(proba, str) else set((proba or {}).values())
        )
        feats = [c for c in ref.columns if c not in skip]
        yield Case(
            f"sample_{problem}",
            problem,
            ref,
            ana,
            target,
            "y_pred",
            feats,
            [c for c in cats if c in feats],
            proba,
            period="M",
            timestamp="timestamp",
        )


SHIFTS = ("stable", "stable", "stable", "inside", "inside", "outside", "outside", "label", "label", "stable")


def shifted_chunks(
    pool: pd.DataFrame, x_cols: list[str], y: np.ndarray, key_feature: str, size: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[str]]:
    """Analysis chunks drawn from `pool`: stable, covariate shift inside / outside the support, label shift."""
    z = pool[key_feature].to_numpy(float)
    z = (z - z.mean()) / (z.std() or 1.0)
    yz = (y - y.mean()) / (y.std() or 1.0)
    parts = []
    for kind in SHIFTS:
        if kind == "inside":
            w = np.exp(1.5 * z)
        elif kind == "label":
            w = np.exp(1.2 * yz)
        else:
            w = np.ones(len(pool))
        idx = rng.choice(len(pool), size=size, replace=True, p=w / w.sum())
        chunk = pool.iloc[idx].copy()
        if kind == "outside":
            col = chunk[key_feature].to_numpy(float)
            sd = pool[key_feature].std()
            chunk[key_feature] = col + 1.5 * sd * rng.random(size)
        parts.append(chunk)
    return pd.concat(parts, ignore_index=True), list(SHIFTS)


def sklearn_cases(seed: int = 0) -> Iterator[Case]:
    """scikit-learn's bundled sets with a gradient-boosted model of ours and injected shifts (bootstrap chunks)."""
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    sets = {
        "sk_breast_cancer": (load_breast_cancer, "binary_classification", 200),
        "sk_wine": (load_wine, "multiclass_classification", 150),
        "sk_digits": (load_digits, "multiclass_classification", 300),
        "sk_diabetes": (load_diabetes, "regression", 200),
    }
    for name, (loader, problem, size) in sets.items():
        rng = np.random.default_rng(seed)
        bunch = loader(as_frame=True)
        frame = bunch.frame.rename(columns=str)
        x_cols = [str(c) for c in bunch.data.columns if bunch.data[c].std() > 0]
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        n = len(frame)
        train, rest = frame.iloc[: n // 3], frame.iloc[n // 3 :]
        ref_pool, ana_pool = rest.iloc[: len(rest) // 2], rest.iloc[len(rest) // 2 :]
        if problem == "regression":
            model = HistGradientBoostingRegressor(max_iter=100, random_state=seed)
        else:
            model = HistGradientBoostingClassifier(max_iter=60, learning_rate=0.1, random_state=seed)
        model.fit(train[x_cols], train["target"])
        importance = np.abs(
            np.corrcoef(np.column_stack([train[x_cols].to_numpy(float), train["target"].to_numpy(float)]).T)[-1, :-1]
        )
        key = x_cols[int(np.nanargmax(importance))]
        ref = ref_pool.iloc[rng.choice(len(ref_pool), size=size * 5, replace=True)].reset_index(drop=True)
        ana, shifts = shifted_chunks(ana_pool, x_cols, ana_pool["target"].to_numpy(float), key, size, rng)
        proba: str | dict[str, str] | None = None
        for df in (ref, ana):
            if problem == "regression":
                df["y_pred"] = model.predict(df[x_cols])
            else:
                p = model.predict_proba(df[x_cols])
                classes = [str(c) for c in model.classes_]
                if problem == "binary_classification":
                    df["y_pred_proba"] = p[:, 1]
                    proba = "y_pred_proba"
                else:
                    for k, c in enumerate(classes):
                        df[f"p_{c}"] = p[:, k]
                    proba = {c: f"p_{c}" for c in classes}
                df["y_pred"] = model.classes_[p.argmax(axis=1)]
            if problem == "multiclass_classification":
                df["target"] = df["target"].astype(str)
                df["y_pred"] = df["y_pred"].astype(str)
        yield Case(name, problem, ref, ana, "target", "y_pred", x_cols, [], proba, size, shift=shifts)


# --- the two tools -------------------------------------------------------------------------------

NANNYML_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
import nannyml as nml
spec = json.load(open(sys.argv[1]))
ref = pd.read_parquet(spec["reference"]); ana = pd.read_parquet(spec["analysis"])
for df in (ref, ana):
    for c in spec["categorical"]:
        df[c] = df[c].astype(str).astype("category")
    if spec["timestamp"]:
        df[spec["timestamp"]] = pd.to_datetime(df[spec["timestamp"]])
chunk = {"chunk_period": spec["period"]} if spec["period"] else {"chunk_size": spec["chunk_size"]}
ts = {"timestamp_column_name": spec["timestamp"]} if spec["timestamp"] else {}
m = spec["metrics"]
if spec["problem"] == "regression":
    est = nml.DLE(feature_column_names=spec["features"], y_pred=spec["prediction"], y_true=spec["target"],
                  metrics=m, tune_hyperparameters=False, **chunk, **ts).fit(ref)
else:
    pt = "classification_binary" if spec["problem"] == "binary_classification" else "classification_multiclass"
    est = nml.CBPE(y_pred_proba=spec["proba"], y_pred=spec["prediction"], y_true=spec["target"], metrics=m,
                   problem_type=pt, **chunk, **ts).fit(ref)
r = est.estimate(ana).filter(period="analysis").to_df()
print(json.dumps({k: r[(k, "value")].tolist() for k in m}))
"""


def nannyml_estimates(python: str, case: Case, metrics: list[str], cache: str = "") -> dict[str, np.ndarray]:
    """NannyML's per-chunk estimates of `case`, run in its own environment (read from `cache` when there)."""
    cached = Path(cache) / f"{case.name}.json" if cache else None
    if cached is not None and cached.exists():
        return {k: np.asarray(v, dtype=float) for k, v in json.loads(cached.read_text()).items()}
    cols = [*case.features, case.prediction, case.target]
    cols += [case.proba] if isinstance(case.proba, str) else list((case.proba or {}).values())
    cols += [case.timestamp] if case.timestamp else []
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for part, df in (("reference", case.reference), ("analysis", case.analysis)):
            paths[part] = f"{tmp}/{part}.parquet"
            df[cols].to_parquet(paths[part])
        spec = {
            **paths,
            "problem": case.problem,
            "features": case.features,
            "categorical": case.categorical,
            "target": case.target,
            "prediction": case.prediction,
            "proba": case.proba,
            "chunk_size": case.chunk_size,
            "period": case.period,
            "timestamp": case.timestamp,
            "metrics": metrics,
        }
        Path(f"{tmp}/spec.json").write_text(json.dumps(spec))
        env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
        done = subprocess.run(
            [python, "-c", NANNYML_SCRIPT, f"{tmp}/spec.json"], capture_output=True, text=True, env=env
        )
        if done.returncode:
            raise RuntimeError(f"NannyML failed on {case.name}: {done.stderr.strip().splitlines()[-1:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(out))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def prepared(case: Case):
    """(config, MonitoringData) of `case` as reportgen reads it."""
    from reportgen.config import validate_config
    from reportgen.io import prepare_data

    chunking = {"period": case.period} if case.period else {"size": case.chunk_size}
    raw = {
        "problem_type": case.problem,
        "columns": {
            "prediction": case.prediction,
            "target": case.target,
            "predicted_probability": case.proba,
            "features": case.features,
            "categorical": case.categorical,
            "continuous": [f for f in case.features if f not in case.categorical],
            **({"timestamp": case.timestamp} if case.timestamp else {}),
        },
        "chunking": chunking,
        "performance": {"metrics": METRICS[case.problem]},
    }
    cfg = validate_config(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(cfg, case.reference.copy(), case.analysis.copy())
    return cfg, data


def analysis_values(frame: pd.DataFrame, metric: str, column: str = "value") -> np.ndarray:
    sel = frame[(frame["metric"] == metric) & (frame["period"] == "analysis") & frame["column"].isna()]
    return sel.sort_values("chunk_index")[column].to_numpy()


def reportgen_runs(case: Case, methods: dict[str, Callable]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """({method: estimated records}, realized records) of `case`."""
    from reportgen.performance.realized import RealizedPerformance

    cfg, data = prepared(case)
    real = RealizedPerformance.from_config(cfg).fit(data.reference, data.reference_chunks, cfg).run(data)
    out = {}
    for name, make in methods.items():
        out[name] = make(cfg).fit(data.reference, data.reference_chunks, cfg).run(data)
    return out, real


def reportgen_methods(problem: str, names: list[str] | None = None) -> dict[str, Callable]:
    """{estimator name: factory(config) -> step} of every estimator of the problem type (or of `names`)."""
    import reportgen.pipeline_steps  # noqa: F401  (registers every step)
    from reportgen.spec import ESTIMATORS
    from reportgen.steps import STEPS

    chosen = [n for n in ESTIMATORS[problem] if not names or n in names]
    classes = {n: STEPS.get(n) for n in chosen}
    return {n: (lambda cfg, cls=cls: cls()) for n, cls in classes.items()}


# --- report --------------------------------------------------------------------------------------


def chunk_rows(
    case: Case, nm: dict[str, np.ndarray], ours: dict[str, pd.DataFrame], real: pd.DataFrame
) -> pd.DataFrame:
    """One row per (metric, method, analysis chunk): realized, its sampling error, our and NannyML's estimate, trust."""
    rows = []
    for m in METRICS[case.problem]:
        realized = analysis_values(real, m).astype(float)
        se = analysis_values(real, m, "sampling_error").astype(float)
        shift = case.shift or ["stable"] * len(realized)
        for method, frame in ours.items():
            trust = analysis_values(frame, m, "trust") if "trust" in frame.columns else [None] * len(realized)
            rows.append(
                pd.DataFrame(
                    {
                        "dataset": case.name,
                        "metric": m,
                        "method": method,
                        "chunk": np.arange(len(realized)),
                        "shift": shift if case.shift else None,
                        "realized": realized,
                        "sampling_error": se,
                        "estimate": analysis_values(frame, m).astype(float),
                        "nannyml": nm[m],
                        "trust": trust,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def print_table(rows: pd.DataFrame) -> None:
    """Mean |estimated - realized| per dataset, metric and method beside NannyML's, then the trust flag's rates."""
    rows = rows.assign(err=(rows.estimate - rows.realized).abs(), nml_err=(rows.nannyml - rows.realized).abs())
    print(
        f"{'dataset':28s} {'metric':9s} {'method':10s} {'ours':>9s} {'NannyML':>9s} {'ratio':>6s} {'shifted':>9s} {'NML shft':>9s} {'ratio':>6s}"
    )
    for (name, metric, method), g in rows.groupby(["dataset", "metric", "method"], sort=False):
        ours, theirs = g.err.mean(), g.nml_err.mean()
        line = f"{name:28s} {metric:9s} {method:10s} {ours:9.4f} {theirs:9.4f} {ours / theirs if theirs > 0 else np.nan:6.2f}"
        shifted = g[g["shift"].notna() & (g["shift"] != "stable")]
        if len(shifted):
            a, b = shifted.err.mean(), shifted.nml_err.mean()
            line += f" {a:9.4f} {b:9.4f} {a / b if b > 0 else np.nan:6.2f}"
        print(line)
    flagged = rows[rows.trust.notna()]
    for method, g in flagged.groupby("method", sort=False):
        large = g.err > 3 * g.sampling_error
        low = g.trust == "low"
        print(
            f"trust ({method}): low on {int((low & large).sum())}/{int(large.sum())} = {(low & large).sum() / max(large.sum(), 1):.0%} "
            f"of chunks with error > 3 SE (hit rate), on {int((low & ~large).sum())}/{int((~large).sum())} = "
            f"{(low & ~large).sum() / max((~large).sum(), 1):.0%} of the others (false-flag rate)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nannyml-python", default="/tmp/nanny/bin/python")
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--cache", default="", help="folder that keeps NannyML's estimates between runs")
    parser.add_argument("--dump", default="", help="CSV file for the per-chunk rows behind the table")
    parser.add_argument("--methods", default="", help="comma-separated reportgen estimators (default: all)")
    args = parser.parse_args()
    cases = [*sample_cases(), *nannyml_cases(nannyml_data_dir(args.nannyml_python)), *sklearn_cases()]
    if args.only:
        keep = set(args.only.split(","))
        cases = [c for c in cases if c.name in keep]
    parts = []
    for case in cases:
        if case.chunk_size:  # whole chunks only: the two tools treat a short last chunk differently
            case.reference = case.reference.iloc[: len(case.reference) // case.chunk_size * case.chunk_size]
            case.analysis = case.analysis.iloc[: len(case.analysis) // case.chunk_size * case.chunk_size]
        nm = nannyml_estimates(args.nannyml_python, case, METRICS[case.problem], args.cache)
        ours, real = reportgen_runs(case, reportgen_methods(case.problem, [m for m in args.methods.split(",") if m]))
        parts.append(chunk_rows(case, nm, ours, real))
        print(f"done {case.name}", flush=True)
    rows = pd.concat(parts, ignore_index=True)
    if args.dump:
        rows.to_csv(args.dump, index=False)
    print_table(rows)


if __name__ == "__main__":
    main()
