"""Diagnosis accuracy against the sample generator's truth, on seeds and sizes the tests do not use.

For each problem type, seed and rows per month: generate the default drift schedule and a stable
year, run the full pipeline, and count truth scenarios diagnosed with the right code, chunks (within
one chunk) and features, diagnoses claiming stable months, and the stable run's status.

    python benchmarks/resolution_truth.py [--seeds 3 4 5] [--rows 800 1500 3000]
"""

from __future__ import annotations

import argparse
import time

from reportgen.samples.generator import generate

from reportgen.monitor import Monitor

PROBLEMS = ("binary_classification", "multiclass_classification", "regression")


def near(keys: list[str], truth: list[str], order: list[str]) -> bool:
    """The diagnosed chunks overlap the truth's and lie within one chunk of its span."""
    pos = {k: i for i, k in enumerate(order)}
    lo, hi = min(pos[k] for k in truth), max(pos[k] for k in truth)
    return bool(set(keys) & set(truth)) and all(lo - 1 <= pos[k] <= hi + 1 for k in keys)


def month_chunks(chunks: list[dict], months: list[str], *, whole: bool = False) -> list[str]:
    """Keys of the analysis chunks in the given months (YYYY-MM): touching them, or `whole`ly inside."""
    out = []
    for c in chunks:
        if c["period"] != "analysis" or not c.get("start_time"):
            continue
        first, last = str(c["start_time"])[:7], str(c["end_time"])[:7]
        if (first in months and last in months) if whole else (first in months or last in months):
            out.append(c["key"])
    return out


def score(problem: str, rows: int, seed: int, period: str = "M") -> dict:
    t0, w0 = time.process_time(), time.perf_counter()
    sample = generate(problem, None, rows_per_month=rows, seed=seed, scenario="default")
    config = {**sample.config, "chunking": {"period": period}}
    report = Monitor(config).run(sample.reference, sample.analysis, sample.targets)
    order = [c["key"] for c in report.model.chunks if c["period"] == "analysis"]
    hits = 0
    for sc in sample.truth["scenarios"]:
        truth_keys = month_chunks(report.model.chunks, sc["chunk_keys"])  # the months as this run's chunks
        found = [
            d
            for d in report.diagnoses
            if d["code"] == sc["expected_diagnosis"] and near(d["chunk_keys"], truth_keys, order)
        ]
        if found:
            named, want = set(found[0]["features"]), set(sc["features"])
            hits += bool(named and named <= want) if sc["name"] == "concept_drift" else named == want
    stable = set(month_chunks(report.model.chunks, sample.truth["stable_chunk_keys"], whole=True))
    false_claims = sum(1 for d in report.diagnoses if stable & set(d["chunk_keys"]))
    quiet = generate(problem, None, rows_per_month=rows, seed=seed, scenario="stable")
    stable_report = Monitor({**quiet.config, "chunking": {"period": period}}).run(
        quiet.reference, quiet.analysis, quiet.targets
    )
    return {
        "problem": problem,
        "rows": rows,
        "seed": seed,
        "scenarios": f"{hits}/{len(sample.truth['scenarios'])}",
        "false_claims": false_claims,
        "stable_status": stable_report.status,
        "stable_codes": ",".join(d["code"] for d in stable_report.diagnoses),
        "cpu_s": time.process_time() - t0,
        "wall_s": time.perf_counter() - w0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--rows", type=int, nargs="+", default=[800, 1500])
    parser.add_argument(
        "--period", default="M", help="chunk period: M (the truth's months), W or D (truth months span several chunks)"
    )
    args = parser.parse_args()
    print(
        f"{'problem':28s} {'rows':>5s} {'seed':>4s} {'truth':>6s} {'false':>5s} {'stable':>7s} {'stable codes':14s} {'cpu s':>6s} {'wall s':>6s}"
    )
    for rows in args.rows:
        for seed in args.seeds:
            for problem in PROBLEMS:
                r = score(problem, rows, seed, args.period)
                print(
                    f"{r['problem']:28s} {r['rows']:5d} {r['seed']:4d} {r['scenarios']:>6s} {r['false_claims']:5d} {r['stable_status']:>7s} {r['stable_codes']:14s} {r['cpu_s']:6.1f} {r['wall_s']:6.1f}"
                )


if __name__ == "__main__":
    main()
