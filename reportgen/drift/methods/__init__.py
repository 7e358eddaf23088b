"""Univariate drift methods: one module per method in this package, each registering its class in
UNIVARIATE_METHODS with `@UNIVARIATE_METHODS.register`; the module's file name is the method's config
name. Importing the package imports every method module, so adding a method is one file (plus its
test); config validation reads the names from the file names (`method_names`), without importing
the methods. See ARCHITECTURE.md ("Where do I add a drift method").

A method is fitted once per column on a reference profile (reportgen.drift.profiles) and scores every
chunk of the column in one vectorised call on a chunk profile (reportgen.drift.chunk_profiles).
"""

from __future__ import annotations

import importlib
from typing import Any

from reportgen.config import univariate_method_names
from reportgen.drift.chunk_profiles import (
    ORDER_STATS,
    bin_counts,
    categorical_chunks,
    chunk_order_stats,
    continuous_chunks,
    profile_with_chunks,
    remember_order_stats,
    sample_chunks,
)
from reportgen.drift.methods.base import UNIVARIATE_METHODS, UnivariateMethod
from reportgen.drift.profiles import (
    CategoricalProfile,
    ChunkProfile,
    ContinuousProfile,
    Profile,
    categorical_profile,
    continuous_profile,
    make_profile,
)

__all__ = [
    "UNIVARIATE_METHODS",
    "ORDER_STATS",
    "CategoricalProfile",
    "ChunkProfile",
    "ContinuousProfile",
    "Profile",
    "UnivariateMethod",
    "applicable_methods",
    "bin_counts",
    "categorical_chunks",
    "categorical_profile",
    "chunk_order_stats",
    "continuous_chunks",
    "continuous_profile",
    "make_profile",
    "method_info",
    "load_methods",
    "profile_with_chunks",
    "remember_order_stats",
    "sample_chunks",
]


def load_methods() -> None:
    """Import every method module of this package (each registers its class)."""
    for name in univariate_method_names():
        importlib.import_module(f"{__name__}.{name}")


load_methods()


def applicable_methods(kind: str, names: tuple[str, ...] | None = None) -> list[str]:
    """Registry names (config order, or all) of the methods that apply to a column kind."""
    chosen = list(names) if names is not None else UNIVARIATE_METHODS.names()
    return [n for n in chosen if kind in UNIVARIATE_METHODS.get(n).kinds]


def method_info(name: str) -> dict[str, Any]:
    """Plain description of one method for the report's appendix."""
    cls = UNIVARIATE_METHODS.get(name)
    return {
        "method": cls.name,
        "title": cls.display_name,
        "description": cls.description,
        "metric": cls.metric,
        "kinds": list(cls.kinds),
    }
