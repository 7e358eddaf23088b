"""A fast slice of the diagnosis truth matrix (benchmarks/resolution_matrix.py) on a real bundled table."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import pytest

from reportgen.monitor import Monitor

SPEC = importlib.util.spec_from_file_location(
    "resolution_matrix", Path(__file__).resolve().parents[2] / "benchmarks" / "resolution_matrix.py"
)
assert SPEC is not None and SPEC.loader is not None
matrix = importlib.util.module_from_spec(SPEC)
sys.modules.setdefault("resolution_matrix", matrix)  # dataclasses look their module up
SPEC.loader.exec_module(matrix)


@pytest.mark.parametrize("cls", ["stable", "corruption"])
def test_diabetes_slice_is_diagnosed_right(cls: str) -> None:
    table = matrix.sklearn_table("diabetes")
    case = matrix.build(table, cls, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = Monitor(case.config).run(case.reference, case.analysis, case.targets)
    code, named, status = matrix.judge(case, report)
    assert code in case.truth, (cls, code)
    assert named & table.aliases(case.features) == named and case.features <= named, (named, case.features)
    if cls == "stable":
        assert status == "ok"
