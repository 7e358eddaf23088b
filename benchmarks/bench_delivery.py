"""Benchmark: delivery costs — archiving a run, verifying and indexing an archive of a year of weekly
runs, and building the e-mail of the bundled binary sample.

Prints CPU seconds (process_time) and wall seconds per operation, sizes, and peak memory. The
archive's runs carry files sized like real reports (5 MB HTML, 200 KB PDF, 300 KB results.json).

    python benchmarks/bench_delivery.py                # 52 weekly runs
    python benchmarks/bench_delivery.py --runs 104
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from reportgen.config import load_config
from reportgen.delivery.archive import archive_report
from reportgen.delivery.history import write_index
from reportgen.delivery.verify import verify_archive
from reportgen.report import ReportModel


class SizedReport:
    """A Report stand-in whose files have realistic sizes (save() writes them)."""

    def __init__(self, model: ReportModel, config: Any, seed: int) -> None:
        self.model, self.config, self.seed = model, config, seed

    def save(self, path: Path, formats: Iterable[str]) -> dict[str, Path]:
        from reportgen.delivery.atomic import write_bytes_atomic, write_text_atomic

        path = Path(path)
        blob = os.urandom(1024)  # incompressible, but hashing cost only depends on size
        write_bytes_atomic(path / "report.html", blob * 5000)
        write_bytes_atomic(path / "report.pdf", blob * 200)
        text = self.model.to_results_json()
        write_text_atomic(path / "results.json", text + " " * max(0, 300_000 - len(text)))
        return {}


def week_model(i: int) -> ReportModel:
    """One analysis week (ISO week i+1 of 2024) after four reference weeks, with a drifting metric."""
    chunks, results = [], []
    for c in range(5):
        period = "reference" if c < 4 else "analysis"
        key = f"2023-W{40 + c}" if c < 4 else f"2024-W{i + 1:02d}"
        chunks.append(
            {
                "index": c,
                "key": key,
                "period": period,
                "start_row": 0,
                "end_row": 100,
                "start_time": None,
                "end_time": None,
                "rows": 100,
            }
        )
        value = 0.95 if c < 4 else 0.95 - 0.002 * i
        results.append(
            {
                "step": "estimated_performance",
                "method": "cbpe",
                "metric": "roc_auc",
                "column": None,
                "chunk_index": c,
                "period": period,
                "value": value,
                "sampling_error": None,
                "lower_confidence": None,
                "upper_confidence": None,
                "lower_threshold": 0.92,
                "upper_threshold": None,
                "alert": period == "analysis" and value < 0.92,
                "note": None,
            }
        )
    return ReportModel(
        title="Car loan model",
        problem_type="binary_classification",
        generated_at=f"2024-12-01T06:00:{i % 60:02d}+00:00",
        chunks=chunks,
        results=results,
        summary={"status": "ok", "sections": {}, "headline": [], "sentence": ""},
        config={"chunking": {"period": "W"}},
    )


def timed(label: str, fn: Callable[[], Any], rows: list[tuple[str, float, float]]) -> Any:
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    rows.append((label, time.process_time() - cpu, time.perf_counter() - wall))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=52)
    args = parser.parse_args()
    config = load_config(
        data={
            "title": "Car loan model",
            "problem_type": "binary_classification",
            "columns": {"prediction": "y_pred", "predicted_probability": "p", "target": "y"},
        }
    )
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "archive"
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(args.runs - 1):
            archive_report(SizedReport(week_model(i), config, i), root, refresh_index=False)
        rows.append(
            (
                f"archive {args.runs - 1} runs (no index), per run",
                (time.process_time() - cpu) / (args.runs - 1),
                (time.perf_counter() - wall) / (args.runs - 1),
            )
        )
        timed(
            "archive 1 run + refresh index",
            lambda: archive_report(SizedReport(week_model(args.runs - 1), config, 0), root),
            rows,
        )
        outcome = timed(f"verify {args.runs} runs", lambda: verify_archive(root), rows)
        assert outcome.ok, outcome.findings
        timed(f"index {args.runs} runs", lambda: write_index(root), rows)
        size_mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        index_kb = (root / "index.html").stat().st_size / 1e3
    email_rows = email_benchmark(rows)
    print(f"{'operation':<48} {'CPU s':>8} {'wall s':>8}")
    for label, cpu_s, wall_s in rows:
        print(f"{label:<48} {cpu_s:>8.3f} {wall_s:>8.3f}")
    print(f"archive size {size_mb:,.0f} MB; index.html {index_kb:,.0f} KB; {email_rows}")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def email_benchmark(rows: list[tuple[str, float, float]]) -> str:
    """The e-mail of the bundled binary sample (monitor run not timed)."""
    from reportgen.inputs import load_inputs
    from reportgen.monitor import Monitor
    from reportgen.render.email import render_email
    from reportgen.resources import samples_dir

    config = load_config(samples_dir() / "data" / "binary_classification" / "config.yaml")
    report = Monitor(config).run(*load_inputs(config)[:3], sources=load_inputs(config)[3])
    msg = timed(
        "e-mail of the binary sample (no PDF)",
        lambda: render_email(report.model, report.config, attach_pdf=False),
        rows,
    )
    data = bytes(msg)
    html = msg.get_body(("html",)).get_content().encode()
    images = sum(1 for p in msg.walk() if p.get_content_type() == "image/png")
    return f"e-mail {len(data) / 1e3:,.0f} KB ({images} inline charts, HTML body {len(html) / 1e3:,.1f} KB); subject: {msg['Subject']}"


if __name__ == "__main__":
    main()
