"""A run whose analysis period the engine reads itself (a Parquet file or folder streamed chunk by
chunk): only the reference is prepared in memory; the analysis Dataset is a DeferredDataset."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from reportgen.cautions import target_overwritten
from reportgen.config import Config
from reportgen.dataset import MonitoringData
from reportgen.engine.choice import make_engine, streams_analysis
from reportgen.engine.deferred import DeferredDataset
from reportgen.engine.local import Engine, StreamingEngine
from reportgen.engine.parquet import ParquetEngine
from reportgen.engine.targets import ChunkTargets
from reportgen.inputs import read_source
from reportgen.io import prepare_reference


class StreamingWarning(UserWarning):
    """The analysis period is read into memory although the config asked for (or allowed) streaming."""


def streamed_run(config: Config) -> bool:
    """Whether `reportgen run` hands the analysis source to an engine that reads it (Spark, or a local
    Parquet file or folder streamed chunk by chunk; see README 'Engines').

    A step that does not stream needs every analysis row in memory; the run then reads the period
    into memory (once, as without streaming), saying which step and how to keep the run streaming.
    """
    if config.engine.type == "spark":
        return True  # a part that cannot stream reads the period through Spark (StreamingEngine.read_all)
    if not streams_analysis(config):
        return False
    from reportgen.pipeline_steps import applicable_steps

    holding = [step.name for step in applicable_steps(config) if not step.streams]
    if holding:
        warnings.warn(
            f"{config.analysis}: read into memory, not streamed: {', '.join(holding)} does not stream (it needs "
            "every analysis row at once); leave it out of the config to stream the analysis period",
            StreamingWarning,
            stacklevel=2,
        )
        return False
    return True


def streamed_data(
    config: Config, reference: pd.DataFrame, *, sources: Mapping[str, str] | None = None
) -> tuple[MonitoringData, Engine]:
    """The prepared reference, the analysis chunks the engine made, and the engine that streams them."""
    sources = dict(sources or {})
    targets = None
    if config.targets and config.engine.type != "spark":  # the Spark engine joins the targets in Spark
        targets = ChunkTargets(read_source(config.targets), config, source=sources.get("targets", "targets data"))
    ref_src = sources.get("reference", "reference data")
    ref_ds, ref_chunks = prepare_reference(config, reference, source=ref_src)
    engine = make_engine(config, ref_ds, ref_chunks, targets=targets)
    if not isinstance(engine, StreamingEngine):
        raise TypeError(f"{type(engine).__name__} does not read the analysis source itself")
    chunks = engine.analysis_chunks()
    analysis = DeferredDataset(
        n_rows=engine.n_rows, classes=ref_ds.classes, source=str(config.analysis), load=engine.read_all
    )
    notices = []
    if targets is not None and isinstance(engine, ParquetEngine) and (filled := engine.own_targets()) is not None:
        notices = target_overwritten(targets.target, filled, source=sources.get("analysis"))
    return MonitoringData(config, ref_ds, analysis, tuple(ref_chunks), chunks, notices=tuple(notices)), engine
