"""A fast slice of the diagnosis truth matrix (benchmarks/resolution_matrix.py) on real bundled tables."""

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


@pytest.mark.parametrize(
    ("dataset", "cls"),
    [
        ("diabetes", "stable"),  # regression: nothing to say
        ("diabetes", "corruption"),  # a scaled column breaks the identity total = a + b
        ("breast_cancer", "out_of_support"),  # binary: the top feature leaves the reference's range
        ("wine", "unseen_values"),  # multiclass: a category never seen in the reference
    ],
)
def test_matrix_cell_is_diagnosed_right(dataset: str, cls: str) -> None:
    table = matrix.table(dataset)
    case = matrix.build(table, cls, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = Monitor(case.config).run(case.reference, case.analysis, case.targets)
    truth, _ = matrix.impact_truth(case, report, table.problem)
    code, named, status = matrix.judge(case, report, truth)
    assert code in truth, (cls, code, truth)
    assert named <= table.aliases(case.features) and case.features <= named, (named, case.features)
    if cls == "stable":
        assert status == "ok"
