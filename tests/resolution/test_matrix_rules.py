"""Rules the truth matrix corrected, each on simulated evidence whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from reportgen.resolution import resolve
from reportgen.resolution.alerts import Alert, corroborate, metric_group
from reportgen.resolution.diagnoses import run_rules
from reportgen.resolution.evidence import Evidence
from tests.resolution.synth import N_REF, scenario

PROBLEMS = ("binary_classification", "multiclass_classification", "regression")


def _alerts(positions: list[int], z: float, metric: str = "mae") -> list[Alert]:
    return [Alert("estimated_performance", "dle", metric, None, N_REF + p, p, z) for p in positions]


def test_a_lasting_modest_drop_is_corroborated_a_short_one_is_not() -> None:
    # each chunk just beyond its 3-sigma threshold (z = 1.2): three in a row cannot be chance
    good, isolated = corroborate(_alerts([4, 5, 6], 1.2), metric_group, min_groups=2)
    assert [a.pos for a in good] == [4, 5, 6] and not isolated
    # two modest chunks in a row, or three apart, stay isolated (the size rule still applies to them)
    for positions in ([4, 5], [1, 4, 7]):
        good, isolated = corroborate(_alerts(positions, 1.2), metric_group, min_groups=2)
        assert not good and [a.pos for a in isolated] == positions
    # a clear pair (z >= 1.5) was and stays corroborated
    good, _ = corroborate(_alerts([4, 5], 1.6), metric_group, min_groups=2)
    assert [a.pos for a in good] == [4, 5]


def _realized_held(results, positions: list[int]):
    """The same results with realized performance back at its reference level in these chunks."""
    out = results.copy()
    real = out["step"] == "realized_performance"
    for metric in out.loc[real, "metric"].unique():
        series = real & (out["metric"] == metric)
        ref = out.loc[series & (out["period"] == "reference"), "value"].mean()
        hit = series & out["chunk_index"].isin([N_REF + p for p in positions])
        out.loc[hit, "value"] = ref
        out.loc[hit, "alert"] = False
    return out


@pytest.mark.parametrize("problem", PROBLEMS)
def test_an_estimated_drop_the_labels_refute_is_a_shift_without_impact(problem: str) -> None:
    results, chunks, config = scenario(problem, drop=[6, 7, 8, 9], drift={"car_value": [6, 7, 8, 9]})
    assert resolve(results, chunks, config).diagnoses[0].code == "performance_drop_covariate_shift"
    res = resolve(_realized_held(results, [6, 7, 8, 9]), chunks, config)
    codes = [d.code for d in res.diagnoses]
    assert "performance_drop_covariate_shift" not in codes and "concept_drift" not in codes
    shift = next(d for d in res.diagnoses if d.code == "covariate_shift_no_impact")
    assert "car_value" in shift.features and list(shift.chunks) == [N_REF + p for p in (6, 7, 8, 9)]
    assert "the estimate misreads this shift" in shift.summary


@pytest.mark.parametrize("problem", PROBLEMS)
def test_labels_missing_in_part_of_the_drop_leave_the_estimate_standing(problem: str) -> None:
    results, chunks, config = scenario(problem, drop=[6, 7, 8, 9], drift={"car_value": [6, 7, 8, 9]})
    held = _realized_held(results, [6, 7, 8, 9])
    late = (held["step"] == "realized_performance") & (held["chunk_index"] == N_REF + 9)
    held.loc[late, "value"] = np.nan  # labels of the last chunk not in yet
    held.loc[late, "alert"] = None
    assert resolve(held, chunks, config).diagnoses[0].code == "performance_drop_covariate_shift"


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_drop_only_labels_see_inside_a_data_quality_fault_is_the_fault(problem: str) -> None:
    # missing values in salary_range: the imputed rows leave the reference's support (the estimate
    # extrapolates), realized performance falls, a correlated input drifts with them
    results, chunks, config = scenario(
        problem,
        dq={"salary_range": [6, 7, 8, 9]},
        concept=[6, 7, 8, 9],
        drift={"car_value": [6, 7, 8, 9]},
        business_value=False,
    )
    ev = Evidence(results, chunks, config)
    ev.extrapolated_drop_pos = [6, 7, 8, 9]
    found = run_rules(ev)
    assert [d.code for d in found][0] == "data_quality"
    assert "performance_drop_covariate_shift" not in [d.code for d in found]
    fault = found[0]
    assert fault.severity == "alert" and "Performance suffers in 4 chunks" in fault.summary


@pytest.mark.parametrize("problem", PROBLEMS)
def test_realized_better_than_its_band_still_refutes_an_estimated_drop(problem: str) -> None:
    # a prior shift towards easy cases: the estimate falls, realized performance improves beyond its band
    results, chunks, config = scenario(
        problem, drop=[6, 7, 8, 9], drift={"car_value": [6, 7, 8, 9]}, business_value=False
    )
    out = _realized_held(results, [6, 7, 8, 9])
    real = (out["step"] == "realized_performance") & out["chunk_index"].isin([N_REF + p for p in (6, 7, 8, 9)])
    better = -0.05 if problem == "regression" else 0.05
    out.loc[real, "value"] = out.loc[real, "value"] * (1 + better)
    out.loc[real, "alert"] = True  # beyond the upper (better) threshold
    codes = [d.code for d in resolve(out, chunks, config).diagnoses]
    assert "performance_drop_covariate_shift" not in codes and "covariate_shift_no_impact" in codes
