"""Fixtures for the delivery tests: a ReportModel built by hand with known alerts, and a fake Report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reportgen.report import ReportModel

WEEKS = ["2024-W40", "2024-W41", "2024-W42", "2024-W43", "2024-W46", "2024-W47", "2024-W48"]


def _record(
    step: str,
    method: str | None,
    metric: str,
    column: str | None,
    index: int,
    period: str,
    value: float,
    lower: float | None,
    upper: float | None,
    alert: bool,
) -> dict[str, Any]:
    return {
        "step": step,
        "method": method,
        "metric": metric,
        "column": column,
        "chunk_index": index,
        "period": period,
        "value": value,
        "sampling_error": None,
        "lower_confidence": None,
        "upper_confidence": None,
        "lower_threshold": lower,
        "upper_threshold": upper,
        "alert": alert,
        "note": None,
    }


def make_model(
    title: str = "Car loan model",
    auc: Iterable[float] = (0.95, 0.951, 0.949, 0.95, 0.93, 0.90, 0.87),
    generated_at: str = "2024-12-02T06:00:00+00:00",
    column: str = "car_value",
) -> ReportModel:
    """4 reference weeks and 3 analysis weeks; ROC AUC and one feature's drift alert in the last weeks."""
    chunks = []
    results = []
    auc = list(auc)
    for i, key in enumerate(WEEKS):
        period = "reference" if i < 4 else "analysis"
        chunks.append(
            {
                "index": i,
                "key": key,
                "period": period,
                "start_row": (i % 4) * 100,
                "end_row": (i % 4) * 100 + 100,
                "start_time": None,
                "end_time": None,
                "rows": 100,
            }
        )
        results.append(
            _record(
                "estimated_performance",
                "cbpe",
                "roc_auc",
                None,
                i,
                period,
                auc[i],
                0.94,
                None,
                period == "analysis" and auc[i] < 0.94,
            )
        )
        ks = 0.02 if i < 5 else 0.2
        results.append(
            _record(
                "univariate_drift",
                "kolmogorov_smirnov",
                "statistic",
                column,
                i,
                period,
                ks,
                None,
                0.05,
                period == "analysis" and ks > 0.05,
            )
        )
    status = "alert" if any(r["alert"] for r in results) else "ok"
    summary = {
        "status": status,
        "sections": {"estimated_performance": status, "univariate_drift": status},
        "headline": [],
        "sentence": "Estimated ROC AUC fell from 0.95 to 0.87 & car_value shifted."
        if status == "alert"
        else "All good.",
        "top_recommendations": ["Retrain on recent data.", "Check the car_value feed."] if status == "alert" else [],
    }
    return ReportModel(
        title=title,
        problem_type="binary_classification",
        generated_at=generated_at,
        chunks=chunks,
        results=results,
        diagnoses=[
            {
                "code": "performance_drop_covariate_shift",
                "severity": "alert",
                "title": "Performance drop from covariate shift",
                "summary": f"{column} shifted",
                "chunks": [5, 6],
                "features": [column],
                "actions": ["Retrain"],
            }
        ]
        if status == "alert"
        else [],
        summary=summary,
        config={"title": title, "problem_type": "binary_classification", "chunking": {"period": "W"}},
    )


@dataclass
class FakeReport:
    """What archive_report needs of a Report: model, config, save(); writes json and a fake html/pdf."""

    model: ReportModel
    config: Any

    def save(self, path: Path, formats: Iterable[str]) -> dict[str, Path]:
        from reportgen.delivery.atomic import write_bytes_atomic, write_text_atomic
        from reportgen.render.save import sha256_of

        path = Path(path)
        out = {}
        if "html" in formats:
            out["html"] = write_text_atomic(path / "report.html", f"<html><body>{self.model.title}</body></html>\n")
        if "pdf" in formats:
            out["pdf"] = write_bytes_atomic(path / "report.pdf", b"%PDF-1.7 fake " + self.model.generated_at.encode())
        files = [{"name": p.name, "sha256": sha256_of(p)} for p in sorted(out.values())]
        out["json"] = write_text_atomic(path / "results.json", self.model.to_results_json(files=files))
        return out


@pytest.fixture
def model() -> ReportModel:
    return make_model()


@pytest.fixture
def fake_config():
    from reportgen.config import load_config

    return load_config(
        data={
            "title": "Car loan model",
            "problem_type": "binary_classification",
            "columns": {"prediction": "y_pred", "predicted_probability": "p", "target": "y"},
            "output": {"formats": ["html", "pdf", "json"]},
        }
    )
