"""Seeded, deterministic sample data for a car-loan model, with a documented drift schedule.

`generate(problem_type, out, rows_per_month=1500, seed=0, scenario="default")` simulates a
reference year (2023, 12 months) and an analysis period (January to October 2024), trains a real
LightGBM model on a separate training split drawn from the reference distribution (2022), scores
reference and analysis with it, and writes reference.csv, analysis.csv (no target),
analysis_targets.csv (id + target), config.yaml and truth.json. The same arguments give the same
bytes (fixed seeds, LightGBM with deterministic=True and one thread).

Drift schedule of the "default" scenario (analysis months; see samples/README.md):

- 2024-01..02 stable.
- 2024-03..04 covariate shift that hurts performance: debt_to_income moves up to Normal(0.50, 0.04)
  (still inside the training range): for classification it crowds around the model's decision
  boundary (repayment becomes a coin flip; ROC AUC falls), for regression into the region where
  losses are most volatile (RMSE rises). The model is calibrated there, so the label-free
  estimates see the drop too.
- 2024-05..06 covariate shift with no impact: annual_mileage and region move; neither drives the
  target, so performance holds.
- 2024-07..08 concept drift: the inputs keep their reference distribution, but the link between
  them and the target changes (the effect of debt_to_income and income changes); realized
  performance falls while estimated performance does not.
- 2024-09 stable.
- 2024-10 data-quality burst: 40% of driver_age missing and 20% of vehicle_type an unseen
  category ("pickup").

`scenario="stable"` draws every analysis month from the reference distribution (no issue).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

PROBLEM_TYPES = ("binary_classification", "multiclass_classification", "regression")
ALIASES = {"binary": "binary_classification", "multiclass": "multiclass_classification", "regression": "regression"}
SCENARIOS = ("default", "stable")

REFERENCE_MONTHS = pd.period_range("2023-01", "2023-12", freq="M")
ANALYSIS_MONTHS = pd.period_range("2024-01", "2024-10", freq="M")
TRAINING_MONTHS = pd.period_range("2022-01", "2022-12", freq="M")

REGIONS = ("north", "south", "east", "west", "central")
REGION_P = (0.25, 0.20, 0.20, 0.15, 0.20)
REGION_P_SHIFTED = (0.10, 0.10, 0.15, 0.20, 0.45)
VEHICLES = ("sedan", "suv", "hatchback", "van")
VEHICLE_P = (0.40, 0.25, 0.25, 0.10)
VEHICLE_LOG_VALUE = {"sedan": 0.0, "suv": 0.25, "hatchback": -0.2, "van": 0.1}
UNSEEN_VEHICLE = "pickup"
SALARY_EDGES = (0.0, 25_000.0, 45_000.0, 70_000.0, np.inf)
SALARY_LABELS = ("<25k", "25k-45k", "45k-70k", "70k+")
LOAN_LENGTHS = (12, 24, 36, 48, 60, 72)
LOAN_P = (0.05, 0.15, 0.30, 0.25, 0.15, 0.10)
GRADES = ("A", "B", "C")

WHOLE_NUMBERS = ("car_value", "driver_age", "annual_mileage", "income")
NUMERIC = ("car_value", "debt_to_income", "loan_length", "driver_age", "annual_mileage", "income")
CATEGORICAL = ("salary_range", "region", "vehicle_type")
FEATURES = NUMERIC + CATEGORICAL
TARGETS = {"binary_classification": "repaid", "multiclass_classification": "credit_grade", "regression": "loss_amount"}
TITLES = {
    "binary_classification": "Car loan repayment model (sample data)",
    "multiclass_classification": "Car loan credit grade model (sample data)",
    "regression": "Car loan loss amount model (sample data)",
}

# Month -> drift regime of the default scenario.
SCHEDULE = {
    "2024-01": "stable",
    "2024-02": "stable",
    "2024-03": "performance_shift",
    "2024-04": "performance_shift",
    "2024-05": "neutral_shift",
    "2024-06": "neutral_shift",
    "2024-07": "concept",
    "2024-08": "concept",
    "2024-09": "stable",
    "2024-10": "data_quality",
}

LGBM_PARAMS = {
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 1.0,
    "bagging_fraction": 1.0,
    "deterministic": True,
    "num_threads": 1,
    "force_col_wise": True,
    "verbose": -1,
}
N_TREES = 150


@dataclass
class SampleData:
    """One generated sample: the frames, config and truth; paths once written."""

    problem_type: str
    scenario: str
    reference: pd.DataFrame
    analysis: pd.DataFrame
    targets: pd.DataFrame
    config: dict[str, Any]
    truth: dict[str, Any]
    folder: Optional[Path] = None
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def config_path(self) -> Optional[Path]:
        return self.paths.get("config")

    @property
    def target(self) -> str:
        return TARGETS[self.problem_type]

    def analysis_with_targets(self) -> pd.DataFrame:
        """Analysis rows with their target column (joined on id), for checks and tests."""
        return self.analysis.merge(self.targets, on="id", how="left")

    def write(self, out: Union[str, Path]) -> "SampleData":
        """Write the five files into `out` (created if needed); returns self with paths set."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.paths = {
            "reference": _write_csv(self.reference, out / "reference.csv"),
            "analysis": _write_csv(self.analysis, out / "analysis.csv"),
            "targets": _write_csv(self.targets, out / "analysis_targets.csv"),
            "config": _write_text(out / "config.yaml", config_yaml(self.config)),
            "truth": _write_text(out / "truth.json", json.dumps(self.truth, indent=2) + "\n"),
        }
        self.folder = out
        return self


def problem_name(problem: str) -> str:
    """Full problem type from a full name or an alias (binary, multiclass, regression)."""
    name = ALIASES.get(problem, problem)
    if name not in PROBLEM_TYPES:
        raise ValueError(f"unknown problem type '{problem}'; accepted: {', '.join(list(ALIASES) + list(PROBLEM_TYPES))}")
    return name


def generate(
    problem_type: str,
    out: Union[str, Path, None] = None,
    *,
    rows_per_month: int = 1500,
    seed: int = 0,
    scenario: str = "default",
) -> SampleData:
    """Simulate reference and analysis data, train and score a LightGBM model; write to `out` if given.

    Parameters
    ----------
    problem_type:
        binary_classification | multiclass_classification | regression (or binary, multiclass).
    out:
        Folder for reference.csv, analysis.csv, analysis_targets.csv, config.yaml and truth.json;
        None keeps everything in memory.
    rows_per_month:
        Rows in each month of the reference year and of the analysis period.
    seed:
        Seeds every random draw and the model; the same arguments give identical bytes.
    scenario:
        "default" (the drift schedule of the module docstring) or "stable" (no drift).
    """
    problem = problem_name(problem_type)
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario '{scenario}'; accepted: {', '.join(SCENARIOS)}")
    if rows_per_month < 10:
        raise ValueError(f"rows_per_month must be at least 10, found {rows_per_month}")
    seeds = np.random.SeedSequence([seed, PROBLEM_TYPES.index(problem)]).spawn(3)
    train_rows = max(5000, min(12 * rows_per_month, 60_000))
    train = simulate_period(TRAINING_MONTHS, max(1, train_rows // 12), np.random.default_rng(seeds[0]), problem, scenario="stable")
    reference = simulate_period(REFERENCE_MONTHS, rows_per_month, np.random.default_rng(seeds[1]), problem, scenario="stable")
    analysis = simulate_period(ANALYSIS_MONTHS, rows_per_month, np.random.default_rng(seeds[2]), problem, scenario=scenario)
    model = train_model(train, problem, seed)
    target = TARGETS[problem]
    reference = add_predictions(reference, model, problem)
    analysis = add_predictions(analysis, model, problem)
    analysis["id"] = np.arange(len(reference), len(reference) + len(analysis), dtype=np.int64)
    targets = analysis[["id", target]].copy()
    analysis = analysis.drop(columns=[target])
    data = SampleData(
        problem_type=problem,
        scenario=scenario,
        reference=reference,
        analysis=analysis,
        targets=targets,
        config=sample_config(problem),
        truth=truth(problem, scenario),
    )
    return data.write(out) if out is not None else data


# --- simulation ---------------------------------------------------------------------------------


def simulate_period(months: pd.PeriodIndex, rows_per_month: int, rng: np.random.Generator, problem: str, *, scenario: str) -> pd.DataFrame:
    """Features and target for consecutive months, each month following its regime."""
    parts = []
    for month in months:
        regime = "stable" if scenario == "stable" else SCHEDULE.get(str(month), "stable")
        parts.append(simulate_month(month, rows_per_month, rng, problem, regime))
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "id", np.arange(len(frame), dtype=np.int64))
    return frame


def simulate_month(month: pd.Period, n: int, rng: np.random.Generator, problem: str, regime: str) -> pd.DataFrame:
    """n rows of one month: timestamps, features in the regime's distribution, and the target."""
    start = month.start_time
    seconds = int((month.end_time - start).total_seconds())
    offsets = np.sort(rng.integers(0, seconds, size=n))
    timestamps = start + pd.to_timedelta(offsets, unit="s")
    x = draw_features(n, rng, regime)
    y = draw_target(x, rng, problem, concept=(regime == "concept"))
    frame = pd.DataFrame({"timestamp": timestamps.strftime("%Y-%m-%dT%H:%M:%S")})
    for name in FEATURES:
        # Whole numbers stay whole in the CSV (nullable integers keep missing values empty).
        frame[name] = pd.array(x[name], dtype="Int64") if name in WHOLE_NUMBERS else x[name]
    frame[TARGETS[problem]] = y
    return frame


def draw_features(n: int, rng: np.random.Generator, regime: str) -> dict[str, np.ndarray]:
    """Car-loan applicants: lognormal income and car value, beta debt-to-income, ..."""
    income = np.round(np.exp(rng.normal(np.log(48_000), 0.45, n)), -1)
    salary = np.asarray(SALARY_LABELS, dtype=object)[np.searchsorted(SALARY_EDGES, income, side="right") - 1]
    region_p = REGION_P_SHIFTED if regime == "neutral_shift" else REGION_P
    region = np.asarray(REGIONS, dtype=object)[rng.choice(len(REGIONS), n, p=region_p)]
    vehicle = np.asarray(VEHICLES, dtype=object)[rng.choice(len(VEHICLES), n, p=VEHICLE_P)]
    log_value = np.log(22_000) + 0.3 * (np.log(income) - np.log(48_000)) + np.vectorize(VEHICLE_LOG_VALUE.get)(vehicle) + rng.normal(0, 0.35, n)
    car_value = np.round(np.exp(log_value), -1)
    loan_length = np.asarray(LOAN_LENGTHS, dtype=np.int64)[rng.choice(len(LOAN_LENGTHS), n, p=LOAN_P)]
    dti = rng.beta(2.2, 5.0, n)
    if regime == "performance_shift":
        # Towards the decision boundary (classification) and the volatile losses (regression),
        # still inside the training range (Beta(2.2, 5) puts 13% of applicants above 0.5).
        dti = np.clip(rng.normal(0.50, 0.04, n), 0.0, 1.0)
    driver_age = np.clip(np.round(rng.normal(42, 12, n)), 18, 80)
    mileage_mean = 19_000 if regime == "neutral_shift" else 12_500
    mileage = np.round(np.clip(rng.normal(mileage_mean, 4_000, n), 1_000, None), -1)
    mileage[rng.random(n) < 0.04] = np.nan
    if regime == "data_quality":
        driver_age[rng.random(n) < 0.40] = np.nan
        vehicle = np.where(rng.random(n) < 0.20, UNSEEN_VEHICLE, vehicle).astype(object)
    return {
        "car_value": car_value,
        "debt_to_income": np.round(dti, 4),
        "loan_length": loan_length,
        "driver_age": driver_age,  # whole years; NaN in the data-quality burst
        "annual_mileage": mileage,
        "income": income,
        "salary_range": salary,
        "region": region,
        "vehicle_type": vehicle,
    }


def credit_score(x: dict[str, np.ndarray], concept: bool) -> np.ndarray:
    """Latent creditworthiness (log-odds of repaying); concept drift changes its coefficients."""
    dti = x["debt_to_income"]
    log_income = np.log(x["income"]) - np.log(48_000)
    log_value = np.log(x["car_value"]) - np.log(22_000)
    age = np.nan_to_num(x["driver_age"], nan=42.0) - 42.0
    van = (x["vehicle_type"] == "van").astype(float)
    loan = (x["loan_length"] - 42.0) / 12.0
    if concept:
        # After a change in lending policy, debt matters much less and long loans much more.
        return 1.2 - 2.0 * (dti - 0.31) + 0.2 * log_income - 0.6 * log_value - 0.9 * loan + 0.02 * age - 0.3 * van
    return 1.2 - 9.0 * (dti - 0.31) + 1.0 * log_income - 0.6 * log_value - 0.15 * loan + 0.02 * age - 0.3 * van


def draw_target(x: dict[str, np.ndarray], rng: np.random.Generator, problem: str, *, concept: bool) -> np.ndarray:
    """The target given the features: Bernoulli repaid, ordered credit grade, or a skewed loss."""
    n = len(x["income"])
    if problem == "binary_classification":
        p = 1.0 / (1.0 + np.exp(-credit_score(x, concept)))
        return (rng.random(n) < p).astype(np.int64)
    if problem == "multiclass_classification":
        latent = credit_score(x, concept) + rng.logistic(0.0, 1.0, n)
        codes = np.where(latent > 2.3, 0, np.where(latent > 0.4, 1, 2))
        return np.asarray(GRADES, dtype=object)[codes]
    # Expected loss scales with the car's value and the debt burden; the more indebted the
    # borrower, the more volatile the loss (noise sd grows with debt_to_income squared).
    dti = x["debt_to_income"]
    loan = x["loan_length"] / 36.0
    dti_effect = 0.03 + 0.45 * dti if concept else 0.05 + 0.25 * dti
    mean = 22_000.0 * (x["car_value"] / 22_000.0) ** 0.6 * dti_effect * np.sqrt(loan)
    noise = rng.normal(0.0, 1.0, n) * (200.0 + 2500.0 * np.minimum(dti, 0.55) ** 2)
    return np.round(np.maximum(mean + noise, 0.0), 2)


# --- the model ------------------------------------------------------------------------------------


def model_matrix(frame: pd.DataFrame) -> np.ndarray:
    """float64 design matrix; categoricals as codes of the training vocabulary (unseen -> NaN)."""
    columns = [frame[name].to_numpy(dtype=np.float64) for name in NUMERIC]
    vocab = {"salary_range": SALARY_LABELS, "region": REGIONS, "vehicle_type": VEHICLES}
    for name in CATEGORICAL:
        codes = pd.Index(vocab[name]).get_indexer(frame[name].to_numpy(dtype=object)).astype(np.float64)
        codes[codes < 0] = np.nan  # unseen or missing: LightGBM's missing branch
        columns.append(codes)
    return np.column_stack(columns)


def train_model(train: pd.DataFrame, problem: str, seed: int) -> Any:
    """A LightGBM booster on the training split (deterministic, one thread)."""
    import lightgbm as lgb

    target = train[TARGETS[problem]]
    params = dict(LGBM_PARAMS, seed=seed)
    if problem == "binary_classification":
        params["objective"] = "binary"
        label = target.to_numpy(dtype=np.float64)
    elif problem == "multiclass_classification":
        params.update(objective="multiclass", num_class=len(GRADES))
        label = pd.Index(GRADES).get_indexer(target.to_numpy(dtype=object)).astype(np.float64)
    else:
        params["objective"] = "regression"
        label = target.to_numpy(dtype=np.float64)
    categorical = [len(NUMERIC) + i for i in range(len(CATEGORICAL))]
    dataset = lgb.Dataset(model_matrix(train), label=label, feature_name=list(NUMERIC + CATEGORICAL), categorical_feature=categorical, free_raw_data=True)
    return lgb.train(params, dataset, num_boost_round=N_TREES)


def add_predictions(frame: pd.DataFrame, model: Any, problem: str) -> pd.DataFrame:
    """Append the model's outputs: probabilities (rounded to 5 decimals) and the predicted label."""
    raw = model.predict(model_matrix(frame))
    out = frame.copy()
    if problem == "binary_classification":
        p = np.round(raw, 5)
        out["y_pred_proba"] = p
        out["y_pred"] = (p >= 0.5).astype(np.int64)
    elif problem == "multiclass_classification":
        p = np.round(raw, 5)
        for i, grade in enumerate(GRADES):
            out[f"y_pred_proba_{grade}"] = p[:, i]
        out["y_pred"] = np.asarray(GRADES, dtype=object)[np.argmax(raw, axis=1)]
    else:
        out["y_pred"] = np.round(raw, 2)
    target = TARGETS[problem]
    cols = [c for c in out.columns if c != target] + [target]
    return out[cols]


# --- config and truth ---------------------------------------------------------------------------


def sample_config(problem: str) -> dict[str, Any]:
    """The config.yaml of a sample (paths relative to the config file)."""
    columns: dict[str, Any] = {"id": "id", "timestamp": "timestamp", "prediction": "y_pred"}
    if problem == "binary_classification":
        columns["predicted_probability"] = "y_pred_proba"
    elif problem == "multiclass_classification":
        columns["predicted_probability"] = {g: f"y_pred_proba_{g}" for g in GRADES}
    columns["target"] = TARGETS[problem]
    config: dict[str, Any] = {
        "title": TITLES[problem],
        "problem_type": problem,
        "reference": "reference.csv",
        "analysis": "analysis.csv",
        "targets": "analysis_targets.csv",
        "columns": columns,
        "chunking": {"period": "M"},
    }
    if problem == "binary_classification":
        config["positive_class"] = 1
        # A repaid loan earns its interest; a loan that defaults loses much of the car's value.
        config["business_value"] = {
            "matrix": {"true_positive": 1000, "false_positive": -4000, "false_negative": -200, "true_negative": 0},
            "currency": "EUR",
        }
    elif problem == "multiclass_classification":
        # Rows: true grade, columns: predicted grade (A, B, C). Lending to a C as if it were an A loses most.
        config["business_value"] = {"value_matrix": [[400, 250, -50], [100, 300, 0], [-1500, -600, 0]], "currency": "EUR"}
    elif problem == "regression":
        # Reserving too little (under-prediction) costs more than reserving too much.
        config["business_value"] = {"over_prediction_cost": 0.2, "under_prediction_cost": 1.0, "currency": "EUR"}
    return config


def config_yaml(config: dict[str, Any]) -> str:
    """YAML text of a config, keys in the order given."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """Mappings as blocks, lists on one line ([a, b])."""

    Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))
    header = "# reportgen sample config (written by reportgen.samples.generator); paths are relative to this file.\n"
    return header + yaml.dump(config, Dumper=Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def truth(problem: str, scenario: str) -> dict[str, Any]:
    """Which analysis chunks drift, which features, and what the report should diagnose."""
    months = [str(m) for m in ANALYSIS_MONTHS]
    base = {"problem_type": problem, "scenario": scenario, "chunking": {"period": "M"}, "reference_chunk_keys": [str(m) for m in REFERENCE_MONTHS]}
    if scenario == "stable":
        return {
            **base,
            "scenarios": [
                {
                    "name": "stable",
                    "expected_diagnosis": "no_issue",
                    "chunk_keys": months,
                    "features": [],
                    "description": "Every analysis month is drawn from the reference distribution; nothing should alert beyond chance.",
                }
            ],
            "stable_chunk_keys": months,
        }
    classification = problem != "regression"
    shift_text = (
        "debt_to_income moves from Beta(2.2, 5) (mean 0.31) to Normal(0.50, 0.04), crowding around the model's decision boundary: "
        "repayment becomes a coin flip for most applicants and ROC AUC falls; the model is calibrated there, so the estimated "
        "performance falls too."
        if classification
        else "debt_to_income moves from Beta(2.2, 5) (mean 0.31) to Normal(0.50, 0.04), where losses are most volatile "
        "(noise sd 200 + 2500 * min(debt_to_income, 0.55)^2): RMSE rises, and the label-free estimate sees it."
    )
    concept_text = (
        "Inputs keep the reference distribution, but the repayment rule changes (debt_to_income matters far less, long loans far more, "
        "income barely): realized performance falls while estimated performance and input drift stay flat."
        if classification
        else "Inputs keep the reference distribution, but losses grow much faster with debt_to_income: realized RMSE rises while "
        "estimated performance and input drift stay flat."
    )
    return {
        **base,
        "scenarios": [
            {
                "name": "covariate_shift_performance_drop",
                "expected_diagnosis": "performance_drop_covariate_shift",
                "chunk_keys": ["2024-03", "2024-04"],
                "features": ["debt_to_income"],
                "description": shift_text,
            },
            {
                "name": "covariate_shift_no_impact",
                "expected_diagnosis": "covariate_shift_no_impact",
                "chunk_keys": ["2024-05", "2024-06"],
                "features": ["annual_mileage", "region"],
                "description": "annual_mileage moves from a mean of 12,500 to 19,000 km and the region mix changes (central 20% -> 45%); "
                "neither drives the target, so performance holds.",
            },
            {
                "name": "concept_drift",
                "expected_diagnosis": "concept_drift",
                "chunk_keys": ["2024-07", "2024-08"],
                "features": ["debt_to_income", "loan_length", "income"] if classification else ["debt_to_income"],
                "description": concept_text + " `features` names the features whose relationship with the target changed; their distributions do not move.",
            },
            {
                "name": "data_quality",
                "expected_diagnosis": "data_quality",
                "chunk_keys": ["2024-10"],
                "features": ["driver_age", "vehicle_type"],
                "description": "40% of driver_age is missing (reference: none) and 20% of vehicle_type is 'pickup', a category never seen in reference.",
            },
        ],
        "stable_chunk_keys": ["2024-01", "2024-02", "2024-09"],
    }


# --- writing --------------------------------------------------------------------------------------


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    text = frame.to_csv(index=False, lineterminator="\n")
    return _write_text(path, text)


def _write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


SAMPLE_SEED = 2
"""Seed of the committed copies (and the demo): in its draw no stable month strays more than two
reference standard deviations from the reference performance by chance, so every alert in the demo
comes from the drift schedule. Any seed shows the same schedule."""
SAMPLE_ROWS_PER_MONTH = 1500


def committed_sample(problem_type: str) -> Path:
    """The config.yaml of a committed sample (samples/data/<problem>/config.yaml)."""
    return Path(__file__).resolve().parent / "data" / problem_name(problem_type) / "config.yaml"


def main() -> None:  # pragma: no cover - maintenance entry point
    """Regenerate the committed copies under samples/data/ (python -m reportgen.samples.generator)."""
    root = Path(__file__).resolve().parent / "data"
    for problem in PROBLEM_TYPES:
        generate(problem, root / problem, rows_per_month=SAMPLE_ROWS_PER_MONTH, seed=SAMPLE_SEED)
        print(f"wrote {root / problem}")


if __name__ == "__main__":  # pragma: no cover
    main()
