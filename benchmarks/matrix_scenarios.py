"""Scenario classes of the diagnosis truth matrix: what each changes in the last analysis chunks, and its truth.

A gradient-boosted model is trained on 60% of a real table; reference and analysis rows are drawn
(with replacement) from the held-out 40%, so they keep the table's joint distribution. A scenario
changes the last SHIFTED of the ANA_CHUNKS analysis chunks in a known way. Classes whose right code
depends on whether the change hurt the model (covariate shifts) are settled by an oracle on the realized
performance (see resolution_matrix.impact_truth); the others have one right code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from matrix_tables import Table

CHUNK = 150
REF_CHUNKS = 12
ANA_CHUNKS = 12
SHIFTED = 6  # the last six analysis chunks carry the scenario
PERF = "performance_drop_covariate_shift"
NO_IMPACT = "covariate_shift_no_impact"
COVARIATE = {PERF, NO_IMPACT}

CLASSES = (
    "stable",
    "shift_within_support",
    "out_of_support",
    "corruption",
    "relabel",
    "concept",
    "label_shift",
    "missing_spike",
    "unseen_values",
    "model_swap",
    "gradual",
)


@dataclass
class Case:
    """One run's data and its truth (codes accepted before the oracle, features that changed)."""

    reference: pd.DataFrame
    analysis: pd.DataFrame
    targets: pd.DataFrame
    config: dict
    truth: set[str]
    features: set[str] = field(default_factory=set)


def design(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input frame: categoricals coded against the table's levels (unseen values become missing)."""
    x = frame[table.features].copy()
    for c in table.categorical:
        known = x[c].where(x[c].isin(table.levels[c]))
        x[c] = pd.Categorical(known, categories=table.levels[c])
    return x


def train(table: Table, rows: pd.DataFrame, seed: int) -> lgb.LGBMModel:
    params = {
        "n_estimators": 150,
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_child_samples": 5,
        "random_state": seed,
        "verbose": -1,
        "n_jobs": 1,
    }
    model = lgb.LGBMRegressor(**params) if table.problem == "regression" else lgb.LGBMClassifier(**params)
    model.fit(design(table, rows), rows[table.target])
    return model


def predict(table: Table, model: lgb.LGBMModel, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    x = design(table, frame)
    if table.problem == "regression":
        return {"y_pred": model.predict(x)}
    proba = model.predict_proba(x)
    out = {"y_pred": model.classes_[proba.argmax(axis=1)]}
    if table.problem == "binary_classification":
        out["p"] = proba[:, 1]
    else:
        for k, c in enumerate(model.classes_):
            out[f"p_{c}"] = proba[:, k]
    return out


def row_loss(table: Table, model: lgb.LGBMModel, frame: pd.DataFrame) -> np.ndarray:
    """Per-row loss of the model: absolute error, or one minus the probability of the true class."""
    y = frame[table.target].to_numpy()
    if table.problem == "regression":
        return np.abs(model.predict(design(table, frame)) - y)
    proba = model.predict_proba(design(table, frame))
    col = np.searchsorted(model.classes_, y)
    return 1.0 - proba[np.arange(len(y)), np.clip(col, 0, proba.shape[1] - 1)]


def importance_order(table: Table, model: lgb.LGBMModel) -> list[str]:
    imp = dict(zip(table.features, model.feature_importances_))
    numeric = [f for f in table.features if f not in table.categorical and f != table.identity[2]]
    return sorted(numeric, key=lambda f: (-imp[f], f))


def harder_quarter(table: Table, model: lgb.LGBMModel, pool: pd.DataFrame, col: str) -> pd.DataFrame:
    """Pool rows in the quarter of `col` (lowest or highest) where the model errs most: a shift on inputs only."""
    loss = row_loss(table, model, pool)
    low = (pool[col] <= pool[col].quantile(0.25)).to_numpy()
    high = (pool[col] >= pool[col].quantile(0.75)).to_numpy()
    pick = high if loss[high].mean() >= loss[low].mean() else low
    return pool[pick]


def swap_outputs(table: Table, pool: pd.DataFrame, tail: np.ndarray) -> Callable:
    """A different model's outputs in the tail: shifted regression outputs, squeezed or rotated probabilities."""

    def swap(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {k: v.copy() for k, v in out.items()}
        if table.problem == "regression":
            out["y_pred"][tail] = out["y_pred"][tail] + 0.8 * pool[table.target].std()
        elif table.problem == "binary_classification":
            out["p"][tail] = np.clip(out["p"][tail] * 0.5 + 0.45, 0, 1)
            out["y_pred"][tail] = (out["p"][tail] >= 0.5).astype(int)
        else:
            keys = sorted((k for k in out if k.startswith("p_")), key=lambda k: int(k[2:]))
            proba = np.column_stack([out[k] for k in keys])
            proba[tail] = np.roll(proba[tail], 1, axis=1) * 0.7 + 0.3 / len(keys)
            for k, key in enumerate(keys):
                out[key] = proba[:, k]
            classes = np.array([int(k[2:]) for k in keys])
            out["y_pred"] = classes[proba.argmax(axis=1)]
        return out

    return swap


def scenario(
    name: str, table: Table, model: lgb.LGBMModel, pool: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, set[str], set[str], Callable | None]:
    """(analysis rows with targets, truth codes, truth features, output override) for one class."""
    n_ana = CHUNK * ANA_CHUNKS
    ana = pool.iloc[rng.integers(0, len(pool), n_ana)].reset_index(drop=True)
    tail = np.arange(CHUNK * (ANA_CHUNKS - SHIFTED), n_ana)
    top = importance_order(table, model)[0]
    t = table.target
    if name == "stable":
        return ana, {"no_issue"}, set(), None
    if name in ("shift_within_support", "gradual"):
        hard = harder_quarter(table, model, pool, top)
        share = np.repeat(np.linspace(0.25, 1.0, SHIFTED), CHUNK) if name == "gradual" else np.ones(len(tail))
        pick = tail[rng.random(len(tail)) < share]
        ana.iloc[pick] = hard.iloc[rng.integers(0, len(hard), len(pick))].to_numpy()
        # resampling rows moves every column correlated with the feature: only the code is scored
        return ana, COVARIATE, set(), None
    if name == "out_of_support":
        span = pool[top].max() - pool[top].min()
        ana.loc[tail, top] = ana.loc[tail, top] + 1.0 * span
        return ana, COVARIATE, {top}, None
    if name == "corruption":
        scaled = table.identity[0]
        bump = 0.15 * abs(pool[scaled].mean()) + 0.5 * pool[scaled].std()
        ana.loc[tail, scaled] = ana.loc[tail, scaled] * 1.15 + bump
        return ana, COVARIATE, {scaled}, None
    if name == "relabel":
        col = table.relabel
        share = pool[col].value_counts(normalize=True)
        rare = share[share >= 0.01].index[-2:].tolist()
        hit = tail[rng.random(len(tail)) < 0.6]
        ana.loc[hit, col] = rng.choice(rare, size=len(hit))
        return ana, COVARIATE, {col}, None
    if name == "concept":
        above = (ana.loc[tail, top] > pool[top].median()).to_numpy()
        if table.problem == "regression":
            ana.loc[tail, t] = ana.loc[tail, t] + np.where(above, 1.5, -1.5) * pool[t].std()
        else:
            classes = np.sort(pool[t].unique())
            flip = above & (rng.random(len(tail)) < 0.6)
            ana.loc[tail[flip], t] = rng.choice(classes, size=int(flip.sum()))
        return ana, {"concept_drift"}, {top}, None
    if name == "label_shift":
        if table.problem == "regression":
            hi = pool[pool[t] >= pool[t].quantile(0.7)]
        else:
            hi = pool[pool[t] == pool[t].value_counts().index[-1]]
        ana.iloc[tail] = hi.iloc[rng.integers(0, len(hi), len(tail))].to_numpy()
        return ana, COVARIATE, set(), None
    if name == "missing_spike":
        col = importance_order(table, model)[1]
        ana.loc[tail[rng.random(len(tail)) < 0.4], col] = np.nan
        return ana, {"data_quality"}, {col}, None
    if name == "unseen_values":
        ana.loc[tail[rng.random(len(tail)) < 0.3], table.relabel] = "never_seen"
        return ana, {"data_quality"}, {table.relabel}, None
    if name == "model_swap":
        return ana, {"prediction_drift"}, set(), swap_outputs(table, pool, tail)
    raise ValueError(name)


def build(table: Table, cls: str, seed: int) -> Case:
    """Train on 60% of the table, draw reference and analysis from the rest, apply the scenario."""
    rng = np.random.default_rng(seed)
    frame = table.frame.iloc[rng.permutation(len(table.frame))].reset_index(drop=True)
    cut = int(0.6 * len(frame))
    train_rows, pool = frame.iloc[:cut], frame.iloc[cut:].reset_index(drop=True)
    model = train(table, train_rows, seed)
    ref = pool.iloc[rng.integers(0, len(pool), CHUNK * REF_CHUNKS)].reset_index(drop=True)
    ana, truth, feats, override = scenario(cls, table, model, pool, rng)
    for c in table.features:
        if c not in table.categorical:
            ana[c] = ana[c].astype(float)
    ref_out, ana_out = predict(table, model, ref), predict(table, model, ana)
    if override is not None:
        ana_out = override(ana_out)
    ref = ref.assign(**ref_out, id=np.arange(len(ref)))
    ana = ana.assign(**ana_out, id=np.arange(len(ana)) + len(ref))
    columns: dict = {
        "id": "id",
        "prediction": "y_pred",
        "target": table.target,
        "features": table.features,
        "categorical": table.categorical,
    }
    if table.problem == "binary_classification":
        columns["predicted_probability"] = "p"
    elif table.problem == "multiclass_classification":
        columns["predicted_probability"] = {int(k[2:]): k for k in ana_out if k.startswith("p_")}
    config: dict = {"problem_type": table.problem, "columns": columns, "chunking": {"size": CHUNK}}
    if table.problem == "binary_classification":
        config["positive_class"] = 1
    targets = ana[["id", table.target]]
    return Case(ref, ana.drop(columns=[table.target]), targets, config, truth, feats)
