"""The demo's rows of the speed table: `reportgen demo` wall, the demo's PDF and HTML (CPU s, bytes).

Run: python benchmarks/bench_demo.py [--profile 25]

1. `reportgen demo --out <tmp>` in a subprocess: wall seconds and the child's CPU seconds;
2. in this process, the same sample report (Monitor on the bundled binary sample), then each writer
   timed alone with process_time (each builds its own view, as a single-format run does):
   render_html (CPU s, bytes) and render_pdf (CPU s, bytes, pages), and render_pdf once more given
   the view (as a run that writes HTML and PDF builds it once);
3. `--profile N`: cProfile's top N functions by own and by cumulative time for each writer.
Compare CPU seconds between runs (the machine is shared); wall seconds swing with the load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def demo_subprocess() -> tuple[float, float]:
    """(wall s, CPU s) of `reportgen demo` writing html, pdf and json into a temporary folder."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        w0 = time.perf_counter()
        code = (
            "import sys; from reportgen.cli import main; sys.argv = ['reportgen', 'demo', '--out', sys.argv[1]]; main()"
        )
        subprocess.run([sys.executable, "-c", code, os.path.join(tmp, "demo")], check=True, capture_output=True)
        wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sample_report() -> Any:
    from reportgen.samples.generator import committed_sample

    from reportgen.config import load_config
    from reportgen.inputs import load_inputs
    from reportgen.monitor import Monitor

    config = load_config(committed_sample("binary"), {"output.formats": ["html", "pdf", "json"]})
    ref, ana, tgt, sources = load_inputs(config)
    return Monitor(config).run(ref, ana, tgt, sources=sources)


def timed(fn: Callable[[], Any], profile: int) -> tuple[Any, float]:
    """(result, CPU s); with `profile` > 0 a second, profiled call prints the top functions."""
    c0 = time.process_time()
    out = fn()
    cpu = time.process_time() - c0
    if profile:
        prof = cProfile.Profile()
        prof.runcall(fn)
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text).strip_dirs()
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)
        print(text.getvalue())
    return out, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions of each writer")
    parser.add_argument("--skip-demo", action="store_true", help="skip the `reportgen demo` subprocess")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    import pypdf

    from reportgen.render.html import render_html
    from reportgen.render.pdf import render_pdf
    from reportgen.render.view import build_view

    rows = []
    if not args.skip_demo:
        wall, cpu = demo_subprocess()
        rows.append(("reportgen demo (html, pdf, json)", f"{wall:.2f} wall s", f"{cpu:.2f} CPU s", ""))
    report = sample_report()
    html, cpu = timed(lambda: render_html(report.model, report.config), args.profile)
    rows.append(("writing the demo's HTML", "", f"{cpu:.2f} CPU s", f"{len(html.encode('utf-8')) / 1e6:.2f} MB"))
    pdf, cpu = timed(lambda: render_pdf(report.model, report.config), args.profile)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    rows.append(("writing the demo's PDF", "", f"{cpu:.2f} CPU s", f"{len(pdf) / 1e6:.2f} MB, {pages} pages"))
    view = build_view(report.model)  # as `reportgen run` / save_report: one view for HTML and PDF
    _, cpu = timed(lambda: render_pdf(report.model, report.config, view=view), 0)
    rows.append(("  the same, view shared with the HTML", "", f"{cpu:.2f} CPU s", ""))
    print(f"{'what':<36}{'wall':>14}{'cpu':>14}  size")
    for name, wall_s, cpu_s, size in rows:
        print(f"{name:<36}{wall_s:>14}{cpu_s:>14}  {size}")
    print(
        f"load average {os.getloadavg()[0]:.1f}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
