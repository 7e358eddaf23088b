"""The digest is the one cut of a run's headline facts: the e-mail and the history index show what it says."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reportgen import digest
from reportgen.delivery.archive import archive_report
from reportgen.delivery.history import build_history
from reportgen.render.email import email_context, make_subject, subject_line
from reportgen.report import ReportModel

from .conftest import FakeReport
from .test_archive import weekly_model


def test_history_row_is_the_digest_of_the_archived_results(tmp_path: Path, fake_config) -> None:
    model = weekly_model(2)
    archive_report(FakeReport(model, fake_config), tmp_path, formats=["json"], refresh_index=False)
    row = build_history(tmp_path)["models"][0]["runs"][0]
    saved = json.loads(next(tmp_path.rglob("results.json")).read_text(encoding="utf-8"))
    cut = digest.cut(ReportModel.from_results(saved))
    assert (row["status"], row["sentence"], row["numbers"]) == (cut.status, cut.sentence, cut.numbers)
    assert row["alerts"] == dict(cut.alerts) and row["alerts_total"] == cut.alerts_total > 0
    assert row["numbers"][0]["value"] == pytest.approx(0.87)


def test_email_body_and_subject_read_the_digest(model: ReportModel) -> None:
    cut = digest.cut(model)
    context = email_context(model, cut, None, None, "s", [], attachments=[])
    assert context["numbers"] is cut.numbers and context["recommendations"] is cut.recommendations
    assert context["diagnoses"] is cut.diagnoses and context["period"] == cut.period
    # the subject is written from the digest alone: change the digest, the subject follows
    quiet = replace(cut, headline={**(cut.headline or {}), "alert": False}, finding="Inputs shifted")
    assert subject_line(quiet).endswith(": Inputs shifted")
    assert make_subject(model) == subject_line(cut)


def test_finding_is_the_first_alerting_diagnosis(model: ReportModel) -> None:
    model.diagnoses = [
        {"code": "covariate_shift_no_impact", "severity": "warning", "title": "Inputs shifted"},
        {"code": "concept_drift", "severity": "alert", "title": "Concept drift"},
        {"code": "data_quality", "severity": "alert", "title": "Data-quality fault"},
    ]
    cut = digest.cut(model)
    assert cut.finding == "Concept drift"
    assert [d["title"] for d in cut.diagnoses] == ["Inputs shifted", "Concept drift", "Data-quality fault"]
