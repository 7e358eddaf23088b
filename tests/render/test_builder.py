"""report_builder helpers: input hashes, chunking words, JSON-ready conversion."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from reportgen.config import load_config
from reportgen.report_builder import _plain, chunking_text, input_hashes, versions


def test_input_hashes_are_sha256_of_files(tmp_path):
    f = tmp_path / "reference.csv"
    f.write_bytes(b"a,b\n1,2\n")
    out = input_hashes({"reference": str(f), "analysis": "<in-memory DataFrame>"})
    assert out == [
        {"role": "reference", "name": "reference.csv", "bytes": 8, "sha256": hashlib.sha256(b"a,b\n1,2\n").hexdigest()}
    ]


def test_chunking_words():
    base = {"problem_type": "regression", "columns": {"prediction": "p"}}
    assert (
        chunking_text(
            load_config(data={**base, "chunking": {"period": "W"}, "columns": {"prediction": "p", "timestamp": "t"}})
        )
        == "weekly chunks"
    )
    assert chunking_text(load_config(data={**base, "chunking": {"size": 5000}})) == "chunks of 5,000 rows"
    assert chunking_text(load_config(data={**base, "chunking": {"number": 8}})) == "8 chunks per period"


def test_plain_is_json_ready():
    out = _plain({"a": np.float64(math.nan), "b": np.int64(3), "c": (np.bool_(True), np.arange(2)), 4: np.float32(0.5)})
    assert out == {"a": None, "b": 3, "c": [True, [0, 1]], "4": 0.5}
    assert type(out["b"]) is int


def test_versions_lists_main_packages():
    v = versions()
    assert {"reportgen", "python", "numpy", "pandas", "plotly", "matplotlib", "weasyprint"} <= set(v)


def test_missing_baseline_is_a_clear_error(tmp_path):
    import pytest

    from reportgen.errors import DataError
    from reportgen.inputs import read_baseline

    class Cfg:
        baseline = str(tmp_path / "nope.json")

    with pytest.raises(DataError, match="nope.json"):
        read_baseline(Cfg())
