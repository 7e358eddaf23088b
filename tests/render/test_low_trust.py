"""The estimated-performance section names low-trust estimates; results without the field read as before."""

from __future__ import annotations

from reportgen.render.view import build_view
from tests.delivery.conftest import make_model


def _section(model):
    return build_view(model, charts=False).section("estimated-performance")


def test_low_trust_estimates_are_named_in_the_finding():
    model = make_model()
    for r in model.results:
        if r["step"] == "estimated_performance":
            r["trust"] = "low" if r["chunk_index"] >= 5 else "high"
    finding = _section(model).finding
    assert "Low trust: ROC AUC (cbpe) in 2 chunks" in finding


def test_records_without_trust_add_no_mark():
    assert "Low trust" not in _section(make_model()).finding
