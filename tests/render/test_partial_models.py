"""Sections render what exists: a model with one step, or none, still renders (each empty section says why)."""

from __future__ import annotations

from reportgen.render.html import render_html, render_notebook_html
from reportgen.render.view import build_view
from reportgen.report import ReportModel
from tests.synthetic_model import synthetic_model


def _only(model: ReportModel, steps: set[str]) -> ReportModel:
    data = model.to_dict()
    data["results"] = [r for r in data["results"] if r["step"] in steps]
    data["diagnoses"], data["recommendations"], data["distributions"], data["ranking"] = [], [], {}, []
    data["summary"] = {"status": "ok", "sections": {}, "headline": [], "sentence": ""}
    return ReportModel.from_dict(data)


def test_one_step_model_renders_with_reasons():
    model = _only(synthetic_model(n_features=3, n_ref=2, n_ana=4), {"estimated_performance"})
    view = build_view(model)
    available = {s.id: s.available for s in view.sections}
    assert available["estimated-performance"] and not available["univariate-drift"]
    html = render_html(model)
    assert "Univariate drift was not computed in this run." in html
    assert "No targets were given for the analysis period" in html
    assert "Alerts in Estimated performance; see the sections below for the evidence." in html


def test_empty_model_renders():
    model = _only(synthetic_model(n_features=3, n_ref=2, n_ana=4), set())
    out = render_notebook_html(model)
    assert "Estimated performance" in out and "Performance was not estimated in this run." in out
