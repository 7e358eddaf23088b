"""Do two reportgen checkouts give the same records and diagnoses? (to 1e-9, 3 problem types x 3 chunkings)

Each checkout runs in its own subprocess (PYTHONPATH=checkout) on the samples generator's data
(binary, multiclass, regression; chunking by size, number and month) and pickles its result table,
diagnoses, chunks and data summary; then every record field is compared (floats to 1e-9 relative or
absolute, everything else exactly). Used to check that a refactoring changed no number:

    git worktree add /tmp/before main~3
    python benchmarks/compare_checkouts.py /tmp/before .
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

CHUNKINGS = ({"size": 1000}, {"number": 7}, {"period": "M"})
PROBLEMS = ("binary", "multiclass", "regression")


def dump(path: str, rows_per_month: int) -> None:
    """Run every case with the reportgen on sys.path and pickle what it produced."""
    from reportgen.monitor import Monitor
    from samples.generator import generate

    warnings.simplefilter("ignore")
    out = {}
    for problem in PROBLEMS:
        sample = generate(problem, rows_per_month=rows_per_month, seed=3)
        for chunking in CHUNKINGS:
            config = {k: v for k, v in sample.config.items() if k not in ("reference", "analysis", "targets")}
            config["chunking"] = chunking
            report = Monitor(config).run(sample.reference, sample.analysis, sample.targets)
            model = report.model
            out[(problem, str(chunking))] = (report.results, model.diagnoses, model.chunks, model.data_summary)
    with open(path, "wb") as fh:
        pickle.dump(out, fh)


def same(a: Any, b: Any) -> bool:
    """Equal, floats to 1e-9 (NaN equal to NaN), containers element by element."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    try:
        if math.isnan(a) and math.isnan(b):
            return True
    except TypeError:
        pass
    return bool(a == b)


def differences(old: dict, new: dict) -> list[str]:
    """One line per case and field that differs."""
    found = []
    for case, (results, diagnoses, chunks, summary) in old.items():
        r2, d2, c2, s2 = new[case]
        if len(results) != len(r2):
            found.append(f"{case}: {len(results)} vs {len(r2)} records")
            continue
        a, b = results.astype(object).to_dict("records"), r2.astype(object).to_dict("records")
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if not same(_plain(x), _plain(y))]
        if bad:
            found.append(f"{case}: {len(bad)} records differ, first {a[bad[0]]} vs {b[bad[0]]}")
        for name, x, y in (("diagnoses", diagnoses, d2), ("chunks", chunks, c2), ("data summary", summary, s2)):
            if not same(x, y):
                found.append(f"{case}: {name} differ")
    return found


def _plain(record: dict) -> dict:
    return {k: (None if v is None or (not isinstance(v, str) and _isna(v)) else v) for k, v in record.items()}


def _isna(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="checkout (folder holding reportgen/ and samples/) of the reference version")
    parser.add_argument("new", help="checkout of the version to check")
    parser.add_argument("--rows-per-month", type=int, default=400)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump, args.rows_per_month)
        return
    with tempfile.TemporaryDirectory() as tmp:
        outputs = []
        for name in ("old", "new"):
            root = str(Path(getattr(args, name)).resolve())
            target = os.path.join(tmp, f"{name}.pkl")
            env = {**os.environ, "PYTHONPATH": root}
            cmd = [sys.executable, __file__, root, root, "--rows-per-month", str(args.rows_per_month), "--dump", target]
            subprocess.run(cmd, check=True, env=env, cwd=tmp)
            with open(target, "rb") as fh:
                outputs.append(pickle.load(fh))
    found = differences(*outputs)
    for line in found:
        print(line)
    print(f"{len(outputs[0])} cases, {len(found)} differences")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
