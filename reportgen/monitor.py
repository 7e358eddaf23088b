"""The Python API: Monitor(config).run(reference_df, analysis_df, targets_df) -> Report.

The CLI is a thin layer over this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen.cautions import overwritten_targets
from reportgen.config import Config, load_config
from reportgen.dataset import MonitoringData
from reportgen.engine import Engine, LocalEngine
from reportgen.engine.facts import FactsCollector
from reportgen.engine.streamed import streamed_data
from reportgen.inputs import read_baseline
from reportgen.io import prepare_data
from reportgen.pipeline_steps import applicable_steps
from reportgen.report import ReportModel
from reportgen.report_builder import build_report_model
from reportgen.results import concat_results
from reportgen.sample_size import apply_minimums, label_counts
from reportgen.spec import step_rank

ConfigLike = Config | Mapping[str, Any] | str | Path


def as_config(config: ConfigLike) -> Config:
    """A Config from a Config, a dict (paths relative to the working folder) or a file path."""
    if isinstance(config, Config):
        return config
    if isinstance(config, (str, Path)):
        return load_config(config)
    return load_config(data=dict(config))


class Report:
    """The outcome of a run: the result table, diagnoses and the ReportModel renderers use."""

    def __init__(self, model: ReportModel, results: pd.DataFrame, config: Config) -> None:
        self.model = model
        self.results = results
        self.config = config

    @property
    def diagnoses(self) -> list[dict[str, Any]]:
        return self.model.diagnoses

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """What to read with care: [{code, message, chunks, columns}] (reportgen.cautions)."""
        return self.model.warnings

    @property
    def status(self) -> str:
        return str(self.model.summary.get("status", "ok"))

    @property
    def has_alert(self) -> bool:
        return bool(self.results["alert"].fillna(False).any())

    def save(self, path: str | Path, formats: Iterable[str] | None = None) -> dict[str, Path]:
        """Write the chosen formats into folder `path`; returns {format: file}."""
        from reportgen.render.save import save_report

        return save_report(self.model, self.config, Path(path), tuple(formats or self.config.output.formats))

    def _repr_html_(self) -> str:
        from reportgen.render.html import render_notebook_html

        return render_notebook_html(self.model, self.config)


class Monitor:
    """Runs every monitoring step on a reference and an analysis period.

    Parameters
    ----------
    config:
        A Config, a dict with the config file's keys, or the path of a YAML/TOML config file.
    """

    def __init__(self, config: ConfigLike) -> None:
        self.config = config

    def run(
        self,
        reference: pd.DataFrame,
        analysis: pd.DataFrame,
        targets: pd.DataFrame | None = None,
        *,
        sources: dict[str, str] | None = None,
        progress: ProgressHook | None = None,
    ) -> Report:
        """Prepare the data, run each step, resolve issues and build the ReportModel.

        `progress(event, name, index, total)`, when given, hears "start" and "end" (or "error")
        of each stage: reportgen.progress turns that into a bar and --log-json lines.
        """
        config = as_config(self.config)
        with _stage(progress, "prepare data", 0, 1):
            data = prepare_data(config, reference, analysis, targets, sources=sources)
            notices = overwritten_targets(config, analysis, targets, source=(sources or {}).get("analysis"))
            data = replace(data, notices=(*data.notices, *notices))
        return run_steps(config, data, sources=sources, progress=progress)

    def run_streamed(
        self,
        reference: pd.DataFrame,
        *,
        sources: dict[str, str] | None = None,
        progress: ProgressHook | None = None,
    ) -> Report:
        """Like run(), with the analysis period read by the config's engine from `analysis:` (a Parquet
        file or folder streamed chunk by chunk): only the reference is held in memory."""
        config = as_config(self.config)
        with _stage(progress, "prepare data", 0, 1):
            data, engine = streamed_data(config, reference, sources=sources)
        return run_steps(config, data, sources=sources, progress=progress, engine=engine)


ProgressHook = Callable[[str, str, int, int], None]


@contextmanager
def _stage(progress: ProgressHook | None, name: str, index: int, total: int) -> Iterator[None]:
    """Tell `progress` a stage starts and how it ended (a no-op without a hook)."""
    if progress is None:
        yield
        return
    progress("start", name, index, total)
    try:
        yield
    except BaseException:
        progress("error", name, index, total)
        raise
    progress("end", name, index, total)


def run_steps(
    config: Config,
    data: MonitoringData,
    *,
    sources: dict[str, str] | None = None,
    progress: ProgressHook | None = None,
    engine: Engine | None = None,
) -> Report:
    """Fit every applicable step on the reference, compute the streaming steps' statistics in one pass
    over the analysis chunks, combine them, then resolve and build the report model."""
    engine = engine or LocalEngine(data.analysis, data.analysis_chunks)
    frames = []
    steps = applicable_steps(config)
    streaming = [step for step in steps if step.streams]
    total = len(steps) + 3
    for index, step in enumerate(steps):
        with _stage(progress, step.name, index, total):
            step.fit(data.reference, data.reference_chunks, config)
            if step.streams:
                step.prepare(engine.analysis_chunks())
            else:
                frames.append(step.run(data))
    with _stage(progress, "chunk statistics", len(steps), total):
        facts = FactsCollector(data.reference, data.reference_chunks)  # what the report reads after the steps
        stats = engine.map_chunk_stats([*streaming, facts])
        data = replace(data, facts=facts.finalize(engine.analysis_chunks(), stats.pop(facts.name)))
    with _stage(progress, "thresholds and alerts", len(steps) + 1, total):
        frames.extend(step.finalize(stats.pop(step.name)) for step in streaming)
    notes = [note for step in steps for note in step.method_notes()]
    artifacts = {step.name: step.artifacts() for step in steps}
    with _stage(progress, "build report model", len(steps) + 2, total):
        results = sort_results(concat_results(frames))
        results = apply_minimums(results, {c.index: c.rows for c in data.chunks}, label_counts(data))
        model = build_report_model(
            config, data, results, notes, artifacts, sources or {}, baseline=read_baseline(config)
        )
    return Report(model, results, config)


def sort_results(results: pd.DataFrame) -> pd.DataFrame:
    """A deterministic order: by step (workflow order), method, metric, column, chunk."""
    if results.empty:
        return results
    keys = results.assign(
        _step=results["step"].map(step_rank),
        _method=results["method"].fillna(""),
        _column=results["column"].fillna(""),
    )
    keys = keys.sort_values(["_step", "_method", "metric", "_column", "chunk_index"], kind="stable")
    return results.loc[keys.index].reset_index(drop=True)
