"""Adding a univariate drift method is one file in reportgen/drift/methods/ (plus its test): the
registry, config validation and the univariate step pick it up with no other change."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import reportgen.drift.methods as methods
from reportgen.config import univariate_method_names
from reportgen.drift.methods import UNIVARIATE_METHODS, continuous_chunks, continuous_profile
from reportgen.errors import ConfigError
from tests.drift.univariate_helpers import make_data, run_step

NAME = "throwaway_total_variation"
SOURCE = '''"""Total variation distance between decile-bucket proportions (a throwaway test method)."""

from __future__ import annotations

import numpy as np

from reportgen.config import ThresholdConfig
from reportgen.drift.methods.base import UNIT_RANGE, UNIVARIATE_METHODS, UnivariateMethod, proportions
from reportgen.drift.profiles import ChunkProfile


@UNIVARIATE_METHODS.register
class ThrowawayTotalVariation(UnivariateMethod):
    """Half the L1 distance between the chunk's and the reference's bucket proportions."""

    name = "throwaway_total_variation"
    display_name = "Total variation"
    kinds = ("continuous",)
    metrics = ("distance",)
    metric = "distance"
    direction = {"distance": "higher_is_worse"}
    value_range = {"distance": UNIT_RANGE}
    default_threshold = {"distance": ThresholdConfig(type="constant", upper=0.1)}
    description = "Half the sum of absolute differences between bucket proportions (decile buckets)."

    def _score(self, chunks: ChunkProfile) -> dict[str, np.ndarray]:
        diff = proportions(chunks.counts) - proportions(chunks.ref_counts)
        return {"distance": 0.5 * np.abs(diff).sum(axis=1)}
'''


@pytest.fixture()
def throwaway_method():
    path = Path(methods.__file__).parent / f"{NAME}.py"
    path.write_text(SOURCE, encoding="utf-8")
    try:
        methods.load_methods()
        yield UNIVARIATE_METHODS.get(NAME)
    finally:
        path.unlink()
        UNIVARIATE_METHODS._entries.pop(NAME, None)
        sys.modules.pop(f"{methods.__name__}.{NAME}", None)


def test_unknown_method_names_are_refused_before_the_file_exists():
    assert NAME not in univariate_method_names()
    with pytest.raises(ConfigError, match=f"unknown univariate drift method '{NAME}'"):
        make_data({"x": np.zeros(10)}, {"x": np.zeros(10)}, 5, config={"drift": {"univariate": [NAME]}})


def test_one_new_file_adds_a_method_end_to_end(throwaway_method):
    assert NAME in univariate_method_names() and NAME in UNIVARIATE_METHODS.names()
    rng = np.random.default_rng(0)
    ref, ana = rng.normal(0, 1, 2000), np.r_[rng.normal(0, 1, 500), rng.normal(1.5, 1, 500)]
    data = make_data({"x": ref}, {"x": ana}, 500, config={"drift": {"univariate": [NAME]}})
    _, results = run_step(data)
    ours = results[(results["method"] == NAME) & (results["period"] == "analysis")].sort_values("chunk_index")
    # by hand: the decile buckets of the reference, proportions of each analysis chunk
    edges = np.quantile(ref, np.linspace(0, 1, 11))[1:-1]
    ref_p = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=10) / ref.size
    expected = []
    for chunk in (ana[:500], ana[500:]):
        p = np.bincount(np.searchsorted(edges, chunk, side="right"), minlength=10) / chunk.size
        expected.append(0.5 * np.abs(p - ref_p).sum())
    assert ours["value"].to_numpy() == pytest.approx(expected, abs=0.02)
    assert ours["alert"].tolist()[1] is True and expected[0] < 0.05 < expected[1]
    profile = continuous_profile(ref)
    chunk = continuous_chunks(profile, ana, [(0, 500), (500, 1000)], np.zeros(2, bool))
    assert throwaway_method().fit(profile).score(chunk)["distance"] == pytest.approx(ours["value"].to_numpy())


def test_the_report_names_the_method_from_its_module(throwaway_method) -> None:
    from reportgen.render.filters import method_label

    assert method_label(NAME) == "Total variation" == throwaway_method.display_name
    assert method_label("psi") == "PSI" and method_label("kolmogorov_smirnov") == "Kolmogorov-Smirnov"
