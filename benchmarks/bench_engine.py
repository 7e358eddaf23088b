"""Benchmark: the streaming steps on the in-memory engine vs the streamed Parquet engine.

On benchmarks/datagen.py's cached Parquet files (25 features, binary classification), each engine
runs in a fresh subprocess: read and prepare the reference, fit every step that streams, compute the
analysis chunks' statistics and finalize. `memory` reads the whole analysis file as `reportgen run`
does (read_table + prepare_data + LocalEngine); `parquet` streams it (ParquetEngine). The domain
classifier does not stream yet and is left out of both. Prints wall s, CPU s (process_time, all
threads) and peak RSS per engine; the machine is shared, so compare CPU seconds and memory.

    python benchmarks/bench_engine.py                      # 1M analysis rows
    python benchmarks/bench_engine.py --rows 10000000      # 10M (~1 GB of Parquet made once)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINES = ("memory", "parquet")


def run_one(engine: str, rows: int, chunks: int) -> dict[str, float]:
    """Fit on the reference, stream or load the analysis, finalize; the measurements of this process."""
    import pandas as pd

    from benchmarks.datagen import benchmark_config, dataset_paths
    from reportgen.config import load_config
    from reportgen.engine import LocalEngine
    from reportgen.engine.parquet import ParquetEngine
    from reportgen.engine.schema import AnalysisSchema
    from reportgen.io import prepare_data, read_table
    from reportgen.pipeline_steps import applicable_steps

    warnings.simplefilter("ignore")
    ref_path, ana_path = dataset_paths(rows)
    config = load_config(data=benchmark_config(ref_path, ana_path, chunks=chunks))
    wall, cpu = time.perf_counter(), time.process_time()
    reference = read_table(ref_path)
    if engine == "memory":
        data = prepare_data(config, reference, read_table(ana_path))
        driver = LocalEngine(data.analysis, data.analysis_chunks)
    else:
        # the reference prepared alone: a few reference rows stand in for the period that is streamed
        data = prepare_data(config, reference, reference.iloc[: chunks * 50].copy())
        driver = ParquetEngine(ana_path, config, AnalysisSchema.of(data), first_index=len(data.reference_chunks))
    del reference
    steps = [s for s in applicable_steps(config) if s.streams]
    for step in steps:
        step.fit(data.reference, data.reference_chunks, config)
        step.prepare(driver.analysis_chunks())
    stats = driver.map_chunk_stats(steps)
    frames = [step.finalize(stats[step.name]) for step in steps]
    records = int(sum(len(f) for f in frames))
    alerts = int(pd.concat(frames)["alert"].fillna(False).astype(bool).sum())
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "records": records,
        "alerts": alerts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000], help="analysis rows")
    parser.add_argument("--chunks", type=int, default=200, help="analysis chunks (chunking.number)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="engines to run, comma separated")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args.chunks)))
        return
    print(f"{'rows':>12} {'engine':<8} {'wall s':>8} {'CPU s':>8} {'peak MB':>9} {'records':>9} {'alerts':>7}")
    for rows in args.rows:
        from benchmarks.datagen import dataset_paths

        dataset_paths(rows)  # made once, outside the measured processes
        for engine in args.engines.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--chunks", str(args.chunks), "--one", engine, str(rows)],
                check=True,
                capture_output=True,
                text=True,
            )
            m = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{rows:>12,} {engine:<8} {m['wall_s']:>8.1f} {m['cpu_s']:>8.1f} {m['peak_mb']:>9,.0f} "
                f"{m['records']:>9,} {m['alerts']:>7,}",
                flush=True,
            )


if __name__ == "__main__":
    main()
