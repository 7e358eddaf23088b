"""Benchmark: `reportgen run`'s path in memory vs streamed from Parquet, at 1M / 10M / 50M analysis rows.

On benchmarks/datagen.py's Parquet data (25 features, binary classification, 1M reference rows,
200 equal chunks), each engine runs in a fresh subprocess: `memory` reads both files and runs
Monitor.run (engine.stream: false), `parquet` reads the reference and streams the analysis file or
folder chunk by chunk (Monitor.run_streamed, engine.stream: true). Both build the whole report model
(every step, the facts pass, resolution; `--multivariate pca_reconstruction` leaves the domain
classifier out of both); nothing is rendered. Prints wall s, CPU s
(process_time, all threads) and peak RSS per engine, and whether both engines gave the same records
(to 1e-9) and diagnoses. The machine is shared: compare CPU seconds and memory, not wall time.

    python benchmarks/bench_engine.py                                   # 1M analysis rows
    python benchmarks/bench_engine.py --rows 10000000                   # 10M (~1.2 GB of Parquet, made once)
    nice python benchmarks/bench_engine.py --rows 50000000 --engines parquet --data /tmp/reportgen-bench --parts 10
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINES = ("memory", "parquet")


def run_one(
    engine: str, rows: int, chunks: int, data: Path, parts: int, multivariate: list[str], dump: Path
) -> dict[str, float]:
    """One engine's run of the report model; its measurements, and its records and diagnoses pickled to `dump`."""
    from benchmarks.datagen import benchmark_config, dataset_paths
    from reportgen.config import load_config
    from reportgen.inputs import read_source
    from reportgen.monitor import Monitor

    warnings.simplefilter("ignore")
    ref_path, ana_path = dataset_paths(rows, data=data, parts=parts)
    config = load_config(
        data=benchmark_config(
            ref_path,
            ana_path,
            chunks=chunks,
            drift={"multivariate": multivariate},
            engine={"stream": engine == "parquet"},
        )
    )
    wall, cpu = time.perf_counter(), time.process_time()
    reference = read_source(str(ref_path))
    if engine == "memory":
        report = Monitor(config).run(reference, read_source(str(ana_path)))
    else:
        report = Monitor(config).run_streamed(reference)
    measured = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "records": len(report.results),
        "alerts": int(report.results["alert"].fillna(False).astype(bool).sum()),
        "diagnoses": len(report.diagnoses),
    }
    with dump.open("wb") as fh:
        pickle.dump((report.results, report.diagnoses), fh)
    return measured


def same_outcome(a: Path, b: Path) -> str:
    """'same' when both dumps hold the same records (floats to 1e-9) and diagnoses, else what differs."""
    import pandas as pd

    with a.open("rb") as fa, b.open("rb") as fb:
        (ra, da), (rb, db) = pickle.load(fa), pickle.load(fb)
    try:
        pd.testing.assert_frame_equal(ra, rb, check_exact=False, rtol=1e-9, atol=1e-12)
    except AssertionError as exc:
        return "records differ: " + str(exc).splitlines()[0]
    return (
        "same records and diagnoses"
        if json.dumps(da, default=str) == json.dumps(db, default=str)
        else "diagnoses differ"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000], help="analysis rows")
    parser.add_argument("--chunks", type=int, default=200, help="analysis chunks (chunking.number)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="engines to run, comma separated")
    parser.add_argument("--data", type=Path, default=None, help="folder of the cached data (default benchmarks/data)")
    parser.add_argument("--parts", type=int, default=1, help="write the analysis as a folder of this many files")
    parser.add_argument(
        "--multivariate", default="pca_reconstruction,domain_classifier", help="drift.multivariate, comma separated"
    )
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from benchmarks.datagen import DATA, dataset_paths

    data = args.data or DATA
    if args.one:
        engine, rows, dump = args.one
        methods = [m for m in args.multivariate.split(",") if m]
        print(json.dumps(run_one(engine, int(rows), args.chunks, data, args.parts, methods, Path(dump))))
        return
    print(
        f"{'rows':>12} {'engine':<8} {'wall s':>8} {'CPU s':>8} {'peak MB':>9} {'records':>9} {'alerts':>7} {'diagnoses':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            ref, ana = dataset_paths(rows, data=data, parts=args.parts)  # made once, outside the measured processes
            files = [ana] if ana.is_file() else sorted(ana.rglob("*.parquet"))
            on_disk = sum(f.stat().st_size for f in files) / 1e9
            as_arrays = sum(_array_bytes(f) for f in files) / 1e9
            print(
                f"{'':>12} analysis: {on_disk:.1f} GB of Parquet in {len(files)} file(s), "
                f"{as_arrays:.1f} GB as 8-byte values (rows x columns)"
            )
            dumps = {}
            for engine in args.engines.split(","):
                dumps[engine] = Path(tmp) / f"{engine}-{rows}.pkl"
                extra = ["--data", str(data), "--parts", str(args.parts), "--chunks", str(args.chunks)]
                extra += ["--multivariate", args.multivariate]
                out = subprocess.run(
                    [sys.executable, __file__, *extra, "--one", engine, str(rows), str(dumps[engine])],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                m = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{rows:>12,} {engine:<8} {m['wall_s']:>8.1f} {m['cpu_s']:>8.1f} {m['peak_mb']:>9,.0f} "
                    f"{m['records']:>9,} {m['alerts']:>7,} {m['diagnoses']:>9,}",
                    flush=True,
                )
            if len(dumps) == 2:
                print(f"{'':>12} memory vs parquet: {same_outcome(*dumps.values())}", flush=True)


def _array_bytes(path: Path) -> int:
    """The file's rows x columns x 8 bytes: its size held as float64 / int64 arrays, as an in-memory run holds it."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    return meta.num_rows * meta.num_columns * 8


if __name__ == "__main__":
    main()
