"""Concept-drift attribution alone on the truth matrix's concept cases: feature precision and recall.

The matrix's `concept` class (benchmarks/matrix_scenarios.py: the target's link with the most
important feature changes in the last analysis chunks, inputs untouched) on each table and seed; the
attribution reads the residual_bins step's sums of those chunks, as a concept-drift diagnosis would.
Scored like the matrix: a named column carrying the truth's information counts as right for
precision, recall needs the truth feature itself. Fast: no report is built.

    python benchmarks/attribution_matrix.py [--seeds 0 1 2] [--datasets default nanny_car_loan ...]
"""

from __future__ import annotations

import argparse
import time
import warnings

from matrix_scenarios import ANA_CHUNKS, SHIFTED, build
from matrix_tables import TABLES

from reportgen.config import validate_config
from reportgen.io import prepare_data
from reportgen.resolution.attribution import concept_features
from reportgen.resolution.residual_step import profile_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=list(TABLES))
    args = parser.parse_args()
    tp = fp = fn = 0
    t0 = time.process_time()
    for name in args.datasets:
        table = TABLES[name]()
        for seed in args.seeds:
            case = build(table, "concept", seed)
            config = validate_config(case.config)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data = prepare_data(config, case.reference, case.analysis, case.targets)
            profile = profile_of(data, config)
            named = {
                s.feature for s in concept_features(profile, sorted(profile.analysis_chunks)[ANA_CHUNKS - SHIFTED :])
            }
            allowed = table.aliases(case.features)
            tp, fp, fn = tp + len(named & allowed), fp + len(named - allowed), fn + len(case.features - named)
            print(f"{name:18s} s{seed} want {sorted(case.features)} named {sorted(named)}", flush=True)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print(
        f"feature precision {precision:.2f}, recall {recall:.2f} (tp {tp}, fp {fp}, fn {fn}); cpu {time.process_time() - t0:.0f}s"
    )


if __name__ == "__main__":
    main()
