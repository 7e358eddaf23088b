"""The history page: every run with status and headline numbers, trend charts, links; self-contained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.delivery.archive import ArchiveError, archive_report
from reportgen.delivery.history import build_history, headline_numbers, write_index

from .conftest import FakeReport
from .test_archive import weekly_model


@pytest.fixture
def archive(tmp_path: Path, fake_config) -> Path:
    root = tmp_path / "archive"
    for i in range(3):
        archive_report(
            FakeReport(weekly_model(i), fake_config), root, formats=["html", "pdf", "json"], refresh_index=False
        )
    other = weekly_model(0, title="Churn <model>")
    archive_report(FakeReport(other, fake_config), root, formats=["json"], refresh_index=False)
    return root


def test_headline_numbers_latest_reference_alert() -> None:
    numbers = headline_numbers(weekly_model(2).results)
    assert len(numbers) == 1
    n = numbers[0]
    assert (n["label"], n["metric"]) == ("estimated ROC AUC", "roc_auc")
    assert n["value"] == pytest.approx(0.87) and n["reference"] == pytest.approx(0.95) and n["alert"] is True


def test_history_model(archive: Path) -> None:
    page = build_history(archive)
    assert [m["slug"] for m in page["models"]] == ["car-loan-model", "churn-model"] and page["run_count"] == 4
    car = page["models"][0]
    assert [r["period"] for r in car["runs"]] == ["2024-W48", "2024-W47", "2024-W46"]  # newest first
    assert [r["numbers"][0]["value"] for r in reversed(car["runs"])] == pytest.approx([0.93, 0.90, 0.87])
    assert car["latest"]["period"] == "2024-W48" and car["latest"]["status"] == "alert"
    trend = car["charts"][0]
    assert trend["table"]["rows"] == [["2024-W46", 0.93, 0.95], ["2024-W47", 0.90, 0.95], ["2024-W48", 0.87, 0.95]]


def test_index_page_is_self_contained_and_escaped(archive: Path) -> None:
    path = write_index(archive)
    html = path.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing leaves the file
    assert html.count("<svg") == 4  # ROC AUC and alerts trend per model
    for period in ("2024-W46", "2024-W47", "2024-W48"):
        assert f'href="car-loan-model/{period}/report.html"' in html
        assert f'href="car-loan-model/{period}/report.pdf"' in html
    assert "Churn &lt;model&gt;" in html and "Churn <model>" not in html
    assert "0.87" in html and "0.95" in html


def test_index_refuses_a_non_archive(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="not a reportgen archive"):
        write_index(tmp_path)
