"""Report rendering: HTML bytes at 10 and 100 features x 50 chunks, and PDF time for ~40 charts.

Run: python benchmarks/report_render.py   (prints a table; CPU seconds via process_time, wall seconds)
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from reportgen.render.html import render_html
from reportgen.render.pdf import render_pdf
from reportgen.render.view import build_view

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the synthetic model lives with the tests
from tests.synthetic_model import synthetic_model

ALL_METRICS = ("roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "average_precision", "business_value")


def timed(fn, *args):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return out, time.process_time() - c0, time.perf_counter() - w0


def main() -> None:
    rows = []
    for n_features in (10, 100):
        model = synthetic_model(n_features=n_features, n_ref=10, n_ana=40, metrics=ALL_METRICS[:7])
        n_charts = len(build_view(model).charts)
        html, cpu, wall = timed(render_html, model)
        rows.append((f"html {n_features} features x 50 chunks", n_charts, len(html.encode()), cpu, wall))
    model = synthetic_model(
        n_features=10,
        n_ref=10,
        n_ana=40,
        metrics=ALL_METRICS[:7] + ("mae", "mse", "rmse", "mape", "msle", "rmsle", "rmse2"),
    )
    n_charts = len(build_view(model).charts)
    pdf, cpu, wall = timed(render_pdf, model)
    rows.append(("pdf 10 features x 50 chunks", n_charts, len(pdf), cpu, wall))
    print(f"{'case':<34}{'charts':>7}{'bytes':>12}{'cpu s':>8}{'wall s':>8}")
    for name, n, size, cpu, wall in rows:
        print(f"{name:<34}{n:>7}{size:>12,}{cpu:>8.2f}{wall:>8.2f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
