"""Warnings as data: what a reader must know before trusting the numbers (results.json `warnings`).

One function, `run_warnings`, looks at the prepared data, the chunks and the judged records and
returns `[{code, message, chunks, columns}]`: labels that did not join (`targets_unmatched`), chunks
too small to judge (`small_chunk`), calendar periods without rows (`missing_period`), features
constant in the reference (`constant_in_reference`), a baseline from another model
(`baseline_mismatch`) and analysis targets replaced by the targets file (`target_overwritten`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.sample_size import MIN_ROWS, minimum_rows, undersized

if TYPE_CHECKING:
    from reportgen.config import Config
    from reportgen.dataset import MonitoringData

CODES = (
    "targets_unmatched",
    "small_chunk",
    "missing_period",
    "constant_in_reference",
    "baseline_mismatch",
    "target_overwritten",
)
PERIOD_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}


def caution(code: str, message: str, chunks: Sequence[int] = (), columns: Sequence[str] = ()) -> dict[str, Any]:
    """One warning record in the results.json shape."""
    assert code in CODES, code
    return {"code": code, "message": message, "chunks": [int(c) for c in chunks], "columns": [str(c) for c in columns]}


def run_warnings(
    data: MonitoringData,
    results: pd.DataFrame,
    labels: Mapping[int, int | None],
    *,
    notices: Sequence[dict[str, Any]] = (),
    baseline_reasons: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Every warning of a run, in CODES order."""
    out = [
        *targets_unmatched(data, results, labels),
        *small_chunks(data, results),
        *missing_periods(data),
        *constant_in_reference(data),
    ]
    if baseline_reasons:
        out.append(
            caution(
                "baseline_mismatch",
                "the baseline comes from another model ("
                + "; ".join(baseline_reasons)
                + "): headline numbers are compared, alerts are not marked new, continuing or resolved",
            )
        )
    out.extend(caution(**n) for n in notices if n.get("code") == "target_overwritten")
    return out


def targets_unmatched(
    data: MonitoringData, results: pd.DataFrame, labels: Mapping[int, int | None]
) -> list[dict[str, Any]]:
    """Analysis rows and chunks without a label, with the share, when the analysis has a target column."""
    chunks = data.analysis_chunks
    counts = [labels.get(c.index) for c in chunks]
    if not chunks or all(n is None for n in counts):
        return []
    rows = sum(c.rows for c in chunks)
    labelled = sum(n or 0 for n in counts)
    if labelled >= rows:
        return []
    need, _ = minimum_rows("realized_performance", None)
    short = [c for c, n in zip(chunks, counts) if (n or 0) < need]
    if labelled == 0:
        message = (
            f"0 of {rows:,} analysis rows have a label: no target joined (check columns.id, and that the targets file "
            "writes the ids as the analysis file does); realized performance cannot be computed"
        )
    else:
        message = (
            f"{rows - labelled:,} of {rows:,} analysis rows ({(rows - labelled) / rows:.1%}) have no label; realized "
            "numbers stand on the labelled rows only"
        )
        if short:
            message += f"; {_chunk_list(short)} {'has' if len(short) == 1 else 'have'} fewer than {need:,} labels and are not judged"
    return [caution("targets_unmatched", message, [c.index for c in short], _target_column(data))]


def small_chunks(data: MonitoringData, results: pd.DataFrame) -> list[dict[str, Any]]:
    """Chunks whose records were left unjudged for lack of rows (label shortages are targets_unmatched)."""
    if results.empty:
        return []
    row_based = results["step"] != "realized_performance"
    row_based &= ~((results["step"] == "business_value") & (results["method"] == "realized"))
    hit = sorted(set(results.loc[undersized(results) & row_based, "chunk_index"].astype(int)))
    if not hit:
        return []
    by_index = {c.index: c for c in data.chunks}
    small = [by_index[i] for i in hit if i in by_index]
    largest = max(n for table in MIN_ROWS.values() for n in table.values())
    sizes = ", ".join(f"{c.key} ({c.rows:,} {'row' if c.rows == 1 else 'rows'})" for c in small[:8])
    more = f" and {len(small) - 8} more" if len(small) > 8 else ""
    message = (
        f"{len(small)} chunk{'s' if len(small) != 1 else ''} too small to judge: {sizes}{more}; methods need 30 to "
        f"{largest:,} rows per chunk, so these chunks raise no alert and are left out of the diagnoses"
    )
    return [caution("small_chunk", message, [c.index for c in small])]


def missing_periods(data: MonitoringData) -> list[dict[str, Any]]:
    """Calendar periods between the first and the last chunk with no rows at all (period chunking)."""
    alias = data.config.chunking.period
    if not alias:
        return []
    from reportgen.chunking import PeriodChunker

    namer = PeriodChunker(alias)
    out = []
    for period in ("reference", "analysis"):
        chunks = [c for c in data.chunks_of(period) if c.start_time is not None]
        if len(chunks) < 2:
            continue
        have = pd.PeriodIndex([pd.Timestamp(c.start_time) for c in chunks], freq=PERIOD_FREQ[alias])
        every = pd.period_range(have.min(), have.max(), freq=PERIOD_FREQ[alias])
        gaps = [p for p in every if p not in set(have)]
        if not gaps:
            continue
        names = [namer._key(p) for p in gaps]
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        after = {c.index for c in chunks[1:] if pd.Period(pd.Timestamp(c.start_time), PERIOD_FREQ[alias]) - 1 in gaps}
        out.append(
            caution(
                "missing_period",
                f"the {period} data has no rows in {len(names)} period{'s' if len(names) != 1 else ''} ({shown}): "
                "no chunk covers them; check the data export",
                sorted(after),
            )
        )
    return out


def constant_in_reference(data: MonitoringData) -> list[dict[str, Any]]:
    """Features with a single value in the reference: scaled drift distances fall back, any change drifts."""
    ref, ana = data.reference, data.analysis
    constant = []
    for name, col in ref.features.items():
        if col.is_categorical:
            present = np.bincount(col.values, minlength=col.n_levels)[: len(col.categories)]
            if (present > 0).sum() == 1:
                constant.append(name)
        else:
            v = col.values[np.isfinite(col.values)]
            if v.size and float(v.min()) == float(v.max()):
                constant.append(name)
    if not constant:
        return []
    if getattr(data, "facts", None) is not None:  # the run's per-chunk facts (a streamed run has no rows here)
        chunks = sorted({i for n in constant for i in data.facts.moved(n)})
    else:
        chunks = [
            c.index
            for c in data.analysis_chunks
            if any(_moves(ref.features[n], ana.features[n], c.slice) for n in constant if n in ana.features)
        ]
    names = ", ".join(constant)
    return [
        caution(
            "constant_in_reference",
            f"{names} {'is' if len(constant) == 1 else 'are'} constant in the reference: any other value drifts, and "
            "Wasserstein's scaled distance is the distance in the feature's own unit (no spread to divide by)",
            chunks,
            constant,
        )
    ]


def _moves(ref_col: Any, ana_col: Any, rows: slice) -> bool:
    """Whether a chunk holds a non-missing value other than the reference's single value."""
    if ref_col.is_categorical:
        codes = ana_col.values[rows]
        seen = np.flatnonzero(np.bincount(ref_col.values, minlength=ref_col.n_levels)[: len(ref_col.categories)])
        return bool(((codes != seen[0]) & (codes != ref_col.missing_code)).any())
    ref_values = ref_col.values[np.isfinite(ref_col.values)]
    v = ana_col.values[rows]
    v = v[np.isfinite(v)]
    return bool(v.size and (v != ref_values[0]).any())


def overwritten_targets(
    config: Config, analysis: pd.DataFrame, targets: pd.DataFrame | None, *, source: str | None = None
) -> list[dict[str, Any]]:
    """A `target_overwritten` notice when the analysis file has the target column and a targets file is given."""
    target = config.columns.target
    if targets is None or not target or target not in analysis.columns:
        return []
    return target_overwritten(target, int(analysis[target].notna().sum()), source=source)


def target_overwritten(target: str, filled: int, *, source: str | None = None) -> list[dict[str, Any]]:
    """The `target_overwritten` notice for an analysis target column holding `filled` values."""
    where = f" ({source})" if source else ""
    return [
        {
            "code": "target_overwritten",
            "message": (
                f"the analysis data{where} has its own '{target}' column ({filled:,} values); the targets file's "
                "values replaced it. Drop the column from one of the files if that was not intended"
            ),
            "columns": [target],
        }
    ]


def _target_column(data: MonitoringData) -> list[str]:
    target = data.config.columns.target
    return [target] if target else []


def _chunk_list(chunks: Sequence[Any]) -> str:
    keys = [str(c.key) for c in chunks[:8]]
    more = f" and {len(chunks) - 8} more" if len(chunks) > 8 else ""
    return ("chunk " if len(chunks) == 1 else "chunks ") + ", ".join(keys) + more
