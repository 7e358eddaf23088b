"""The step contract: constructor stores parameters, fit(reference) learns, run(data) -> Result table.

Every monitoring step (CBPE, DLE, realized performance, drift, data quality, ...) subclasses Step
and registers itself in STEPS with one decorator line. The pipeline builds each applicable step
from the config, fits it on the reference period and runs it over all chunks.

A step that sets `streams = True` sees the analysis period one chunk at a time, so an engine can
compute its statistics wherever the rows are (reportgen.engine):
fit(reference, reference_chunks, config) on the driver -> prepare(analysis chunk metadata) on the
driver -> chunk_stats(one chunk's rows, meta) -> small picklable stats, anywhere ->
finalize(per-chunk stats) -> Result table on the driver (thresholds, FDR, cumulative values).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset, MonitoringData
from reportgen.errors import NotFittedError, ReportgenError, StepError
from reportgen.registry import Registry
from reportgen.results import conform, validate_results

S = TypeVar("S", bound="Step")


class Step:
    """Base class of a monitoring step (scikit-learn's estimator habits).

    Subclasses set `name` (registry key), `step` (results.json step) and `problem_types`, and
    implement `_fit` and `_run`; their pipeline position is the step's `run_order` in reportgen.spec.
    Learned attributes end in `_`.
    """

    name: ClassVar[str]
    step: ClassVar[str]
    problem_types: ClassVar[tuple[str, ...]] = ("binary_classification", "multiclass_classification", "regression")
    streams: ClassVar[bool] = False  # implements _prepare / _chunk_stats / _finalize instead of _run

    @classmethod
    def from_config(cls: type[S], config: Config) -> S | None:
        """The step as configured, or None when the config turns it off."""
        return cls()

    def fit(self: S, reference: Dataset, reference_chunks: Sequence[Chunk], config: Config) -> S:
        """Learn from the reference period; returns self."""
        try:
            self._fit(reference, tuple(reference_chunks), config)
        except ReportgenError:
            raise
        except Exception as exc:
            raise StepError(
                f"step '{self.name}' failed while fitting on the reference data: {type(exc).__name__}: {exc}"
            ) from exc
        self.reference_chunks_ = tuple(reference_chunks)
        self.fitted_ = True
        return self

    def run(self, data: MonitoringData) -> pd.DataFrame:
        """Results for every reference and analysis chunk, in the Result schema."""
        self.check_fitted()
        if self.streams:
            from reportgen.engine.local import LocalEngine

            self.prepare(data.analysis_chunks)
            stats = LocalEngine(data.analysis, data.analysis_chunks).map_chunk_stats([self])[self.name]
            return self.finalize(stats)
        try:
            frame = self._run(data)
        except ReportgenError:
            raise
        except Exception as exc:
            raise StepError(f"step '{self.name}' failed: {type(exc).__name__}: {exc}") from exc
        return validate_results(conform(frame), step_name=self.name)

    def prepare(self, analysis_chunks: Sequence[Chunk]) -> None:
        """Driver side, once a run: what depends on the set of analysis chunks (their sizes, nulls)."""
        self.check_fitted()
        self.analysis_chunks_ = tuple(analysis_chunks)
        with self._failures("preparing the analysis chunks"):
            self._prepare(self.analysis_chunks_)

    def chunk_stats(self, rows: Dataset, meta: Chunk) -> Any:
        """Pure: small picklable statistics of one analysis chunk; `rows` holds that chunk's rows only."""
        with self._failures(f"on chunk {meta.key}"):
            return self._chunk_stats(rows, meta)

    def finalize(self, stats: Sequence[Any]) -> pd.DataFrame:
        """Driver side: the Result table of the reference and analysis chunks from the per-chunk stats."""
        with self._failures("combining the chunks"):
            frame = self._finalize(list(stats))
        return validate_results(conform(frame), step_name=self.name)

    @contextmanager
    def _failures(self, where: str) -> Iterator[None]:
        """Any unexpected error becomes a StepError naming the step and where it failed."""
        try:
            yield
        except ReportgenError:
            raise
        except Exception as exc:
            raise StepError(f"step '{self.name}' failed {where}: {type(exc).__name__}: {exc}") from exc

    def check_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet; call fit(reference, reference_chunks, config) first"
            )

    def method_notes(self) -> list[dict[str, Any]]:
        """For the report's method appendix: [{step, method, title, description, thresholds}]."""
        return []

    def artifacts(self) -> dict[str, Any]:
        """Anything besides the result table that later stages use (rankings, histograms, ...)."""
        return {}

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        raise NotImplementedError

    def _run(self, data: MonitoringData) -> pd.DataFrame:
        raise NotImplementedError

    def _prepare(self, analysis_chunks: tuple[Chunk, ...]) -> None:
        """Streaming steps: driver-side preparation (nothing by default)."""

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> Any:
        raise NotImplementedError

    def _finalize(self, stats: list[Any]) -> pd.DataFrame:
        raise NotImplementedError


STEPS: Registry[Step] = Registry("monitoring step")
