"""Pearson's chi-squared test of the reference-vs-chunk contingency table (as scipy's) (registered as `chi2`)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import NONNEGATIVE, UNIT_RANGE, UNIVARIATE_METHODS, UnivariateMethod
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class ChiSquared(UnivariateMethod):
    """Pearson's chi-squared test of the reference-vs-chunk contingency table (as scipy's)."""

    name = "chi2"
    display_name = "Chi-squared"
    kinds = ("categorical",)
    metrics = ("statistic", "p_value")
    metric = "statistic"
    direction = {"statistic": "higher_is_worse", "p_value": "lower_is_worse"}
    value_range = {"statistic": NONNEGATIVE, "p_value": UNIT_RANGE}
    default_threshold = {"p_value": ThresholdConfig(type="constant", lower=0.05)}
    description = (
        "Pearson's chi-squared statistic of the 2 x categories table of reference and chunk counts "
        "(categories absent from both left out; Yates' continuity correction when the table has one "
        "degree of freedom), equal to scipy.stats.chi2_contingency, with its p-value. The statistic "
        "grows with the chunk size, so its threshold is calibrated on same-size reference samples."
    )

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        ref = chunks.ref_counts.astype(np.float64)
        obs = chunks.counts.astype(np.float64)
        col = ref + obs
        used = col > 0
        r_tot = ref.sum(axis=1, keepdims=True)
        c_tot = obs.sum(axis=1, keepdims=True)
        total = r_tot + c_tot
        dof = used.sum(axis=1) - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            e_ref = r_tot * col / total
            e_obs = c_tot * col / total
            d_ref = ref - e_ref
            d_obs = obs - e_obs
            yates = (dof == 1)[:, None]
            # Yates: move each observed count up to 0.5 towards its expectation (as scipy does)
            d_ref = np.where(yates, np.sign(d_ref) * np.maximum(np.abs(d_ref) - 0.5, 0.0), d_ref)
            d_obs = np.where(yates, np.sign(d_obs) * np.maximum(np.abs(d_obs) - 0.5, 0.0), d_obs)
            cells = np.where(used, d_ref**2 / e_ref + d_obs**2 / e_obs, 0.0)
        stat = cells.sum(axis=1)
        stat = np.where(dof > 0, stat, 0.0)
        p = np.where(dof > 0, stats.chi2.sf(stat, np.maximum(dof, 1)), 1.0)
        return {"statistic": stat, "p_value": p}
