"""Hypothesis strategies for the fuzz suite: odd data frames, configs and file encodings.

Each drawn case is a complete set of inputs (reference, analysis, optional targets, config) that a
weekly job could plausibly feed reportgen: mixed types, missing values, extreme magnitudes, tiny
or empty chunks, unicode and odd encodings, duplicate ids in any file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

FEATURE_KINDS = ("normal", "with_missing", "integer_codes", "extreme", "boolean", "text", "unicode", "beyond_limit")
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "utf-8")
UNICODE_WORDS = ("café", "Zürich", "東京", "naïve <b>", "emoji 🙂", "a,b", 'quote"d', "new\nline")


@dataclass
class FuzzCase:
    """Inputs of one fuzzed run and what the case is expected to allow."""

    problem_type: str
    reference: pd.DataFrame
    analysis: pd.DataFrame
    targets: pd.DataFrame | None
    config: dict[str, Any]
    encoding: str = "utf-8"
    parquet: bool = False
    notes: list[str] = field(default_factory=list)


def _feature(kind: str, n: int, rng: np.random.Generator, shift: float) -> pd.Series:
    if kind == "normal":
        return pd.Series(rng.normal(shift, 1.0, n))
    if kind == "with_missing":
        values = rng.normal(shift, 2.0, n)
        values[rng.random(n) < 0.3] = np.nan
        return pd.Series(values)
    if kind == "integer_codes":
        return pd.Series(rng.integers(0, 4, n))
    if kind == "extreme":
        return pd.Series(rng.uniform(-0.9, 0.9, n) * 10.0 ** float(rng.choice([100, 149, -300])))
    if kind == "beyond_limit":
        return pd.Series(rng.normal(0.0, 1.0, n) * 1e200)
    if kind == "boolean":
        return pd.Series(rng.random(n) < 0.5 + 0.1 * shift)
    if kind == "text":
        return pd.Series(rng.choice(["a", "b", "c", ""], n)).replace("", np.nan)
    return pd.Series(rng.choice(list(UNICODE_WORDS), n))


def _frame(problem: str, kinds: list[str], n: int, start: int, seed: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "timestamp": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n) * 7, unit="h")),
        }
    )
    for i, kind in enumerate(kinds):
        frame[f"f{i}_{kind}"] = _feature(kind, n, rng, shift)
    signal = rng.normal(shift, 1.0, n)
    if problem == "regression":
        frame["pred"] = signal * 10.0
        frame["y"] = frame["pred"] + rng.normal(0.0, 3.0, n)
    elif problem == "binary_classification":
        p = 1.0 / (1.0 + np.exp(-2.0 * signal))
        frame["proba"] = np.round(p, 6)
        frame["pred"] = (p > 0.5).astype(int)
        frame["y"] = (rng.random(n) < p).astype(int)
    else:
        logits = np.stack([signal, -signal, rng.normal(0, 1, n)], axis=1)
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        for k, label in enumerate(("a", "b", "c")):
            frame[f"p_{label}"] = np.round(p[:, k], 6)
        frame["pred"] = np.array(["a", "b", "c"])[p.argmax(axis=1)]
        frame["y"] = np.array(["a", "b", "c"])[[rng.choice(3, p=row / row.sum()) for row in p]]
    return frame


@st.composite
def chunkings(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["size", "number", "period", "default"]))
    if kind == "size":
        return {"size": draw(st.sampled_from([100, 1, 10, 37, 150, 400]))}
    if kind == "number":
        return {"number": draw(st.sampled_from([4, 1, 12, 30]))}
    if kind == "period":
        return {"period": draw(st.sampled_from(["D", "W", "M"]))}
    return {}


@st.composite
def fuzz_cases(draw: st.DrawFn) -> FuzzCase:
    """One complete, possibly broken, set of inputs."""
    problem = draw(st.sampled_from(["binary_classification", "regression", "multiclass_classification"]))
    kinds = draw(st.lists(st.sampled_from(FEATURE_KINDS), min_size=1, max_size=3))
    n_ref = draw(st.one_of(st.sampled_from([600, 300, 1000]), st.integers(1, 1200)))
    n_ana = draw(st.one_of(st.sampled_from([500, 250, 900]), st.integers(1, 1200)))
    seed = draw(st.integers(0, 2**16))
    shift = draw(st.sampled_from([0.0, 0.0, 1.5]))
    reference = _frame(problem, kinds, n_ref, 0, seed, 0.0)
    analysis = _frame(problem, kinds, n_ana, n_ref, seed + 1, shift)
    notes: list[str] = []
    for name, frame in (("reference", reference), ("analysis", analysis)):
        if len(frame) > 2 and draw(st.integers(0, 19)) == 7:  # a middle value: hypothesis favours the bounds
            frame.loc[1, "id"] = frame.loc[0, "id"]
            notes.append(f"duplicate id in {name}")
    targets = None
    if draw(st.booleans()):
        targets = analysis[["id", "y"]].copy()
        analysis = analysis.drop(columns=["y"])
        if len(targets) > 2 and draw(st.integers(0, 19)) == 7:  # a middle value: hypothesis favours the bounds
            targets.loc[1, "id"] = targets.loc[0, "id"]
            notes.append("duplicate id in targets")
        if draw(st.integers(0, 5)) == 3:
            targets["id"] = targets["id"] + 10**6
            notes.append("target ids match no analysis row")
    elif draw(st.booleans()):
        analysis = analysis.drop(columns=["y"])
    columns: dict[str, Any] = {"id": "id", "prediction": "pred", "target": "y"}
    if draw(st.booleans()):
        columns["timestamp"] = "timestamp"
    if problem == "binary_classification":
        columns["predicted_probability"] = "proba"
    elif problem == "multiclass_classification":
        columns["predicted_probability"] = {label: f"p_{label}" for label in ("a", "b", "c")}
    chunking = draw(chunkings())
    if "period" in chunking:
        columns["timestamp"] = "timestamp"
    config: dict[str, Any] = {
        "title": draw(st.sampled_from(["Fuzz", "Ünïcode <title> & co", "x" * 120])),
        "problem_type": problem,
        "columns": columns,
        "drift": {"multivariate": draw(st.sampled_from([[], ["pca_reconstruction"]]))},
    }
    if chunking:
        config["chunking"] = chunking
    encoding = draw(st.sampled_from(ENCODINGS))
    parquet = draw(st.integers(0, 4)) == 2
    return FuzzCase(problem, reference, analysis, targets, config, encoding, parquet, notes)
