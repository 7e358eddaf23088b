"""The residual-bins step: per-chunk residual moments along every feature, for concept-drift attribution.

It writes no records; its artifact (`profile`, a ResidualProfile) is what the issue resolution reads
to name the features whose link with the target changed. Being a streaming step, the analysis rows
are seen once, chunk by chunk, wherever an engine keeps them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset, MonitoringData
from reportgen.engine.views import chunk_view
from reportgen.resolution.residual_bins import (
    ChunkSums,
    ResidualProfile,
    chunk_sums,
    plan_bins,
    reference_codes,
)
from reportgen.results import COLUMNS
from reportgen.steps import STEPS, Step


@STEPS.register
class ResidualBins(Step):
    """Residual moments per feature bin, per chunk; no records of its own."""

    name: ClassVar[str] = "residual_bins"
    step: ClassVar[str] = "realized_performance"  # runs beside it; needs the same targets
    streams: ClassVar[bool] = True

    @classmethod
    def from_config(cls, config: Config) -> ResidualBins | None:
        """Off when the config names no target column."""
        return cls() if config.columns.target else None

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        self.problem_type_ = config.problem_type
        self.plan_ = plan_bins(reference)
        self.reference_chunks_sums_ = [
            chunk_sums(self.plan_, chunk_view(reference, c), self.problem_type_) for c in reference_chunks
        ]
        self.reference_codes_ = reference_codes(self.plan_, reference)
        self.analysis_sums_: dict[int, ChunkSums] = {}

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> ChunkSums:
        return chunk_sums(self.plan_, rows, self.problem_type_)

    def _finalize(self, stats: list[ChunkSums]) -> pd.DataFrame:
        self.analysis_sums_ = {c.index: s for c, s in zip(self.analysis_chunks_, stats)}
        return pd.DataFrame(columns=list(COLUMNS))

    def profile(self) -> ResidualProfile:
        """The attribution's input: bins, reference chunk sums and codes, analysis chunk sums."""
        return ResidualProfile(
            self.plan_,
            self.reference_chunks_sums_,
            [c.rows for c in self.reference_chunks_],
            self.reference_codes_,
            dict(getattr(self, "analysis_sums_", {})),
        )

    def artifacts(self) -> dict[str, Any]:
        return {"profile": self.profile()} if getattr(self, "fitted_", False) else {}


def profile_of(data: MonitoringData, config: Config) -> ResidualProfile:
    """The profile computed from in-memory data (for callers that hold the rows instead of a run's artifacts)."""
    step = ResidualBins().fit(data.reference, data.reference_chunks, config)
    step.prepare(data.analysis_chunks)
    step.finalize([step.chunk_stats(chunk_view(data.analysis, c), c) for c in data.analysis_chunks])
    return step.profile()
