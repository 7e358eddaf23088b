"""Benchmark: the whole workflow (read, prepare, every step, report model, each output format) at 100k / 1M / 10M rows.

Runs `reportgen.Monitor(config).run(...)` on benchmarks/datagen.py's cached Parquet files (25
features, binary classification, 200 equal analysis chunks) and times each stage through the
monitor's `progress` hook (start/end of "prepare data", each step, "build report model"), then
writes each format with `Report.save(folder, [format])` (e-mail after the PDF so it attaches those
bytes, as `reportgen run` does). Each size runs in a fresh subprocess, so its memory is its own.

Per stage it prints CPU seconds (time.process_time: all threads of the process, plus the CPU of
any child processes), wall seconds, the stage's own peak RSS (VmHWM reset before the stage via
/proc/self/clear_refs; blank where Linux doesn't allow it), the process's peak RSS so far
(getrusage and VmHWM as a running maximum, since the reset also resets ru_maxrss) and, for
outputs, the file size in bytes. The machine is shared: compare CPU seconds, not wall seconds.
The header names python / numpy / lightgbm versions and the BLAS and OpenMP libraries
(threadpoolctl) so figures from different machines can be compared.

    python benchmarks/bench_workflow.py                          # 100k and 1M analysis rows
    python benchmarks/bench_workflow.py --rows 10000000          # 10M (minutes; ~1 GB of Parquet made once)
    python benchmarks/bench_workflow.py --rows 100000 --profile 25     # + cProfile's top 25 functions
    python benchmarks/bench_workflow.py --formats html,json --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMAT_ORDER = ("html", "pdf", "email", "json")  # e-mail after the PDF it attaches, results.json last (as save_report)


def peak_mb() -> float:
    """The process's peak resident memory (MB) per getrusage (Linux: since the last VmHWM reset)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def children_cpu() -> float:
    """CPU seconds of finished child processes (user + system)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def reset_stage_peak() -> bool:
    """Reset the kernel's VmHWM so the next reading is this stage's own peak (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def stage_peak_mb() -> float | None:
    """VmHWM (MB): the peak resident memory since the last reset."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class StageTimer:
    """Collects CPU / wall / memory per stage; usable as the monitor's progress hook."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._open: dict[str, tuple[float, float, float, bool]] = {}
        self.process_peak = peak_mb()  # resetting VmHWM also resets ru_maxrss: keep the running maximum here

    def _update_peak(self) -> float:
        self.process_peak = max(self.process_peak, peak_mb(), stage_peak_mb() or 0.0)
        return self.process_peak

    def start(self, name: str) -> None:
        self._update_peak()  # the peak since the previous stage ended
        resettable = reset_stage_peak()
        self._open[name] = (time.process_time(), children_cpu(), time.perf_counter(), resettable)

    def end(self, name: str, status: str = "ok", **extra: Any) -> dict[str, Any]:
        cpu0, child0, wall0, resettable = self._open.pop(name)
        child = children_cpu() - child0
        stage_peak = stage_peak_mb() if resettable else None
        row = {
            "stage": name,
            "cpu_s": time.process_time() - cpu0 + child,
            "child_cpu_s": child,
            "wall_s": time.perf_counter() - wall0,
            "stage_peak_mb": stage_peak,
            "peak_mb": self._update_peak(),
            "status": status,
            **extra,
        }
        self.rows.append(row)
        return row

    def __call__(self, event: str, name: str, index: int, total: int) -> None:
        """The Monitor.run progress hook: ("start" | "end" | "error", stage name, index, total)."""
        if event == "start":
            self.start(name)
        else:
            self.end(name, status="ok" if event == "end" else "error")

    def timed(self, name: str, fn: Callable[[], Any], **extra: Any) -> Any:
        self.start(name)
        value = fn()
        self.end(name, **extra)
        return value


def environment() -> dict[str, Any]:
    """Versions and the BLAS / OpenMP libraries numpy, scipy and LightGBM load (threadpoolctl)."""
    import lightgbm
    import numpy
    import pandas
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    import reportgen.pipeline_steps  # noqa: F401  (loads every library a step uses)

    pools = [
        {
            k: p.get(k)
            for k in ("user_api", "internal_api", "version", "num_threads", "architecture", "threading_layer")
            if p.get(k) is not None
        }
        | {"library": Path(p.get("filepath", "")).name}
        for p in threadpool_info()
    ]
    try:
        import weasyprint

        weasy = weasyprint.__version__
    except Exception:
        weasy = "missing"
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "weasyprint": weasy,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "threadpools": pools,
    }


def measure(
    rows: int, reference_rows: int, chunks: int, formats: tuple[str, ...], profile: int, profile_out: str | None
) -> dict[str, Any]:
    """One size, in this process: every stage's CPU / wall / memory and the outputs' sizes."""
    from benchmarks.datagen import benchmark_config, dataset_paths
    from reportgen.config import load_config
    from reportgen.inputs import load_inputs
    from reportgen.monitor import Monitor

    t0 = time.perf_counter()
    ref_path, ana_path = dataset_paths(rows, reference_rows)
    datagen_s = time.perf_counter() - t0
    env = environment()
    config = load_config(data=benchmark_config(ref_path, ana_path, chunks=chunks))
    timer = StageTimer()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(
            time.thread_time
        )  # main-thread CPU: waits on worker threads and a loaded machine don't count
        profiler.enable()
    load0 = os.getloadavg()[0]
    wall0, cpu0, child0 = time.perf_counter(), time.process_time(), children_cpu()

    reference, analysis, targets, sources = timer.timed(
        "read inputs (reportgen.inputs.load_inputs)", lambda: load_inputs(config)
    )
    report = Monitor(config).run(reference, analysis, targets, sources=sources, progress=timer)
    del reference, analysis, targets  # the input frames are not needed for rendering
    with tempfile.TemporaryDirectory(prefix="bench_workflow_") as out:
        for fmt in sorted(formats, key=FORMAT_ORDER.index):
            written = timer.timed(f"render + write {fmt}", lambda fmt=fmt: report.save(out, [fmt]))
            timer.rows[-1]["bytes"] = Path(written[fmt]).stat().st_size
    total = {
        "stage": "TOTAL",
        "cpu_s": time.process_time() - cpu0 + children_cpu() - child0,
        "child_cpu_s": children_cpu() - child0,
        "wall_s": time.perf_counter() - wall0,
        "stage_peak_mb": None,
        "peak_mb": timer._update_peak(),
    }
    profile_text = ""
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        if profile_out:
            profiler.dump_stats(profile_out)
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf).strip_dirs()
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)
        profile_text = buf.getvalue()
    return {
        "rows": rows,
        "reference_rows": reference_rows,
        "chunks": chunks,
        "analysis_chunks": sum(1 for c in report.model.chunks if c.get("period") == "analysis"),
        "result_rows": int(len(report.results)),
        "alerts": int(report.results["alert"].fillna(False).astype(bool).sum()),
        "datagen_s": datagen_s,
        "load_average": [load0, os.getloadavg()[0]],
        "env": env,
        "stages": timer.rows + [total],
        "profile": profile_text,
    }


def _fmt_mb(v: float | None) -> str:
    return "" if v is None else f"{v:,.0f}"


def print_env(env: dict[str, Any]) -> None:
    names = ("python", "numpy", "pandas", "scipy", "scikit-learn", "lightgbm", "weasyprint")
    print(" ".join(f"{n} {env[n]}" for n in names) + f"; {env['cpus']} CPUs ({env['machine']})")
    for p in env["threadpools"]:
        bits = [p.get("internal_api", "?"), p.get("version") or "", f"{p.get('num_threads')} threads"]
        if p.get("architecture"):
            bits.append(f"kernel {p['architecture']}")
        if p.get("threading_layer"):
            bits.append(f"threading {p['threading_layer']}")
        print(f"  {p.get('user_api', '?'):<7} {' '.join(b for b in bits if b)}  ({p['library']})")


def print_table(r: dict[str, Any]) -> None:
    print(
        f"\nanalysis rows {r['rows']:,}, reference rows {r['reference_rows']:,}, {r['analysis_chunks']} analysis chunks; "
        f"{r['result_rows']:,} result rows, {r['alerts']:,} alerts; load average {r['load_average'][0]:.1f} -> {r['load_average'][1]:.1f}"
    )
    head = f"{'stage':<40} {'CPU s':>8} {'child s':>7} {'wall s':>8} {'stage MB':>8} {'peak MB':>8} {'bytes':>12}"
    print(head)
    print("-" * len(head))
    for s in r["stages"]:
        size = f"{s['bytes']:,}" if "bytes" in s else ""
        child = f"{s['child_cpu_s']:.2f}" if s.get("child_cpu_s") else ""
        name = s["stage"] + ("" if s.get("status", "ok") == "ok" else f" ({s['status']})")
        print(
            f"{name:<40} {s['cpu_s']:>8.2f} {child:>7} {s['wall_s']:>8.2f} {_fmt_mb(s['stage_peak_mb']):>8} {_fmt_mb(s['peak_mb']):>8} {size:>12}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        default="100000,1000000",
        help="analysis rows, comma separated (default 100000,1000000; 10000000 takes minutes)",
    )
    parser.add_argument(
        "--reference-rows",
        type=int,
        default=1_000_000,
        help="reference rows (default 1,000,000, as the other benchmarks)",
    )
    parser.add_argument("--chunks", type=int, default=200, help="analysis chunks (chunking.number)")
    parser.add_argument("--formats", default="html,pdf,json,email", help="output formats to render, comma separated")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="run under cProfile (main-thread CPU time; worker threads unseen: use py-spy for those) and print its top N functions by own and cumulative time",
    )
    parser.add_argument(
        "--profile-out",
        default=None,
        help="with --profile: also write the stats file here (size appended), for pstats / snakeviz",
    )
    parser.add_argument("--json", default=None, help="also write all measurements to this JSON file")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(float(s.replace("_", ""))) for s in args.rows.split(",") if s.strip()]
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMAT_ORDER]
    if bad:
        parser.error(f"unknown format {bad[0]!r}; choose from {', '.join(FORMAT_ORDER)}")
    if args.one:
        out = None if not args.profile_out else f"{args.profile_out}.{sizes[0]}"
        print(json.dumps(measure(sizes[0], args.reference_rows, args.chunks, formats, args.profile, out)))
        return
    results = []
    for rows in sizes:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--one",
            "--rows",
            str(rows),
            "--reference-rows",
            str(args.reference_rows),
            "--chunks",
            str(args.chunks),
            "--formats",
            ",".join(formats),
            "--profile",
            str(args.profile),
        ]
        if args.profile_out:
            cmd += ["--profile-out", args.profile_out]
        print(f"running {rows:,} analysis rows ...", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
        if proc.returncode != 0:
            sys.exit(f"bench_workflow: {rows:,} rows failed:\n{proc.stderr[-4000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(result)
        if len(results) == 1:
            print_env(result["env"])
        print_table(result)
        if result["profile"]:
            print(result["profile"])
        sys.stdout.flush()
    print(
        "\nCPU s = process_time of all threads + child processes; stage MB = the stage's own peak RSS; peak MB = process peak so far. "
        "The machine is shared: compare CPU seconds."
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
