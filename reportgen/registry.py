"""A tiny name -> class registry; the config's method names are the registry keys."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import ClassVar, Generic, Protocol, TypeVar

from reportgen.errors import ConfigError


class Named(Protocol):
    """What a registry holds: classes with a config name."""

    name: ClassVar[str]


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Maps snake_case names (as written in the config) to classes.

    Parameters
    ----------
    kind:
        What the registry holds, for error messages ("univariate drift method").
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, type[T]] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: register `cls` under its `name` attribute."""
        name = cls.name
        if name in self._entries and self._entries[name] is not cls:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        self._entries[name] = cls
        return cls

    def get(self, name: str) -> type[T]:
        """The class registered under `name`; a ConfigError listing the accepted names otherwise."""
        try:
            return self._entries[name]
        except KeyError:
            raise ConfigError(unknown_name_message(self.kind, name, self.names())) from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def items(self) -> Iterator[tuple[str, type[T]]]:
        return iter(sorted(self._entries.items()))

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)


def unknown_name_message(kind: str, name: object, accepted: list[str]) -> str:
    """'unknown X 'foo' (did you mean 'bar'?); accepted: a, b, c'."""
    hint = difflib.get_close_matches(str(name), accepted, n=1)
    did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"unknown {kind} '{name}'{did_you_mean}; accepted: {', '.join(accepted)}"


def decorator_for(registry: Registry[T]) -> Callable[[type[T]], type[T]]:
    return registry.register
