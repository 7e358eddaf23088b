"""Benchmark: Parquet -> DataFrame -> MonitoringData (checks, sort, encoding, chunking) at 1M and 10M rows.

Each size runs in a fresh subprocess so its peak RSS is its own. Prints CPU seconds
(time.process_time), wall seconds and peak memory per phase, and peak memory as a multiple of the
numeric data size (20 numeric features + the probability, float64, reference + analysis rows).
Target (issue 2): 10M analysis rows into a Dataset well under 20 s; peak < 3x the numeric data.

    python benchmarks/bench_loading.py --rows 1000000 10000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(rows: int, reference_rows: int) -> dict:
    """One size, in this process: the phases' CPU / wall seconds and peak RSS after each."""
    from benchmarks.datagen import NUMERIC_FEATURES, benchmark_config, dataset_paths
    from reportgen.chunking import chunker_from_config
    from reportgen.config import load_config
    from reportgen.io import prepare_data, read_table

    ref_path, ana_path = dataset_paths(rows, reference_rows)
    config = load_config(data=benchmark_config(ref_path, ana_path, chunks=200))
    base = peak_mb()
    out = {"rows": rows, "reference_rows": reference_rows, "baseline_mb": base, "phases": []}

    def phase(name, fn):
        c0, w0 = time.process_time(), time.perf_counter()
        value = fn()
        out["phases"].append(
            {"phase": name, "cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0, "peak_mb": peak_mb()}
        )
        return value

    reference = phase("read reference (reportgen.io.read_table)", lambda: read_table(ref_path))
    analysis = phase("read analysis (reportgen.io.read_table)", lambda: read_table(ana_path))
    data = phase("prepare_data (checks, sort, encode, chunk)", lambda: prepare_data(config, reference, analysis))
    chunker = chunker_from_config(config.chunking)
    phase(
        "chunking alone (analysis)",
        lambda: chunker.split(data.analysis.n_rows, data.analysis.timestamps, period="analysis"),
    )
    out["numeric_mb"] = (rows + reference_rows) * (len(NUMERIC_FEATURES) + 1) * 8 / 2**20
    out["analysis_chunks"] = len(data.analysis_chunks)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Time loading + preparing + chunking Parquet input.")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--reference-rows", type=int, default=1_000_000)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.rows[0], args.reference_rows)))
        return
    results = []
    for rows in args.rows:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", "--rows", str(rows), "--reference-rows", str(args.reference_rows)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"{'analysis rows':>13} {'phase':<44} {'CPU s':>7} {'wall s':>7} {'peak MB':>8}")
    for r in results:
        for p in r["phases"]:
            print(f"{r['rows']:>13,} {p['phase']:<44} {p['cpu_s']:>7.2f} {p['wall_s']:>7.2f} {p['peak_mb']:>8.0f}")
        total_cpu = sum(p["cpu_s"] for p in r["phases"][:3])
        total_wall = sum(p["wall_s"] for p in r["phases"][:3])
        peak = r["phases"][-1]["peak_mb"]
        print(
            f"{r['rows']:>13,} {'TOTAL read + prepare':<44} {total_cpu:>7.2f} {total_wall:>7.2f} {peak:>8.0f}"
            f"   numeric data {r['numeric_mb']:.0f} MB (+{r['reference_rows']:,} reference rows), peak / numeric = {peak / r['numeric_mb']:.2f}x,"
            f" {r['analysis_chunks']} analysis chunks"
        )


if __name__ == "__main__":
    main()
