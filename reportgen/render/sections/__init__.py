"""The report's sections, one module each beside its template partial (templates/sections/<name>.html).

SECTIONS lists them in reading order; each module holds ANCHOR, TITLE, STATUS_KEY (the summary
status its badge shows), NEEDS (anchors of the sections whose views it reads) and
`build(ctx, views) -> SectionView`. Adding a section = one module + its partial + one line here
(see ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType

from reportgen.render.sections import (
    business_value,
    data_quality,
    estimated_performance,
    estimated_vs_realized,
    issue_resolution,
    multivariate_drift,
    univariate_drift,
)
from reportgen.render.sections.base import Context, SectionView


@dataclass(frozen=True)
class SectionSpec:
    """One report section: where it sits, what status it shows and how it is built."""

    anchor: str
    title: str
    status_key: str
    partial: str
    needs: tuple[str, ...]
    build: Callable[[Context, Mapping[str, SectionView]], SectionView]


def _spec(module: ModuleType) -> SectionSpec:
    name = module.__name__.rsplit(".", 1)[-1]
    return SectionSpec(
        module.ANCHOR, module.TITLE, module.STATUS_KEY, f"sections/{name}.html", module.NEEDS, module.build
    )


SECTIONS: tuple[SectionSpec, ...] = tuple(
    _spec(m)
    for m in (
        estimated_performance,
        estimated_vs_realized,
        business_value,
        multivariate_drift,
        univariate_drift,
        data_quality,
        issue_resolution,
    )
)
