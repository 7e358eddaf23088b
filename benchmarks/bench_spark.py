"""Benchmark: the streaming steps on the Spark engine (local master) beside the in-memory engine.

Same work as benchmarks/bench_engine.py (benchmarks/datagen.py's cached Parquet files, 25 features,
binary classification; fit every step that streams on the reference, compute the analysis chunks'
statistics, finalize; the domain classifier is left out), each engine in a fresh subprocess. For
Spark the analysis Parquet is read by Spark (`local[N]`), chunks are planned and statistics computed
there; the driver only fits and finalizes. Prints wall s, the driver's CPU s (this Python process),
the CPU s of the whole process tree (driver + JVM + Python workers, read from /proc before the
session stops), the driver's peak RSS and the tree's summed peak RSS. Records and alerts must match.

    python benchmarks/bench_spark.py                             # 1M analysis rows, memory vs spark
    python benchmarks/bench_spark.py --rows 1000000 10000000 --master "local[2]"
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINES = ("memory", "spark")
TICKS = os.sysconf("SC_CLK_TCK")


def tree_usage(root: int) -> tuple[float, float]:
    """(CPU s, summed peak RSS MB) of `root` and every descendant still running (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(kids)
        frontier.extend(kids)
    cpu = peak = 0.0
    for pid in tree:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return cpu, peak


def run_one(engine: str, rows: int, chunks: int, master: str) -> dict[str, float]:
    """Fit on the reference, compute the analysis chunks' statistics on `engine`, finalize."""
    import pandas as pd

    from benchmarks.datagen import benchmark_config, dataset_paths
    from reportgen.config import load_config
    from reportgen.engine import LocalEngine
    from reportgen.engine.schema import AnalysisSchema
    from reportgen.io import prepare_data, prepare_reference, read_table
    from reportgen.pipeline_steps import applicable_steps

    warnings.simplefilter("ignore")
    ref_path, ana_path = dataset_paths(rows)
    settings = benchmark_config(ref_path, ana_path, chunks=chunks)
    settings["engine"] = {"type": "spark", "master": master, "conf": {"spark.sql.shuffle.partitions": 8}}
    config = load_config(data=settings)
    wall, cpu = time.perf_counter(), time.process_time()
    reference = read_table(ref_path)
    if engine == "memory":
        data = prepare_data(config, reference, read_table(ana_path))
        driver = LocalEngine(data.analysis, data.analysis_chunks)
        ref_ds, ref_chunks = data.reference, data.reference_chunks
    else:
        from reportgen.engine.spark import SparkEngine

        ref_ds, ref_chunks = prepare_reference(config, reference, source=str(ref_path))
        driver = SparkEngine(config, AnalysisSchema.of_reference(ref_ds), first_index=len(ref_chunks))
    del reference
    steps = [s for s in applicable_steps(config) if s.streams]
    for step in steps:
        step.fit(ref_ds, ref_chunks, config)
        step.prepare(driver.analysis_chunks())
    stats = driver.map_chunk_stats(steps)
    frames = [step.finalize(stats[step.name]) for step in steps]
    tree_cpu, tree_peak = tree_usage(os.getpid())
    records = int(sum(len(f) for f in frames))
    alerts = int(pd.concat(frames)["alert"].fillna(False).astype(bool).sum())
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "tree_cpu_s": tree_cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tree_peak_mb": tree_peak,
        "records": records,
        "alerts": alerts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000], help="analysis rows")
    parser.add_argument("--chunks", type=int, default=200, help="analysis chunks (chunking.number)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="engines to run, comma separated")
    parser.add_argument("--master", default="local[2]", help="Spark master of the spark engine")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args.chunks, args.master)))
        return
    print(
        f"{'rows':>12} {'engine':<7} {'wall s':>8} {'CPU s':>8} {'tree CPU s':>10} {'peak MB':>8} "
        f"{'tree MB':>8} {'records':>8} {'alerts':>7}"
    )
    for rows in args.rows:
        from benchmarks.datagen import dataset_paths

        dataset_paths(rows)  # made once, outside the measured processes
        for engine in args.engines.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--chunks", str(args.chunks), "--master", args.master, "--one", engine]
                + [str(rows)],
                check=True,
                capture_output=True,
                text=True,
            )
            m = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{rows:>12,} {engine:<7} {m['wall_s']:>8.1f} {m['cpu_s']:>8.1f} {m['tree_cpu_s']:>10.1f} "
                f"{m['peak_mb']:>8,.0f} {m['tree_peak_mb']:>8,.0f} {m['records']:>8,} {m['alerts']:>7,}",
                flush=True,
            )


if __name__ == "__main__":
    main()
