"""Layering rules read off the source: no import cycle (function-level imports included) and no
module over 600 lines. See ARCHITECTURE.md."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules a file imports anywhere (module level or inside functions), except under TYPE_CHECKING."""
    name = _module_name(path) if path.is_relative_to(PACKAGE) else path.stem
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:  # `from pkg import module` imports the module, else a name of base
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in out if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    """{module: modules it imports}. Importing `a.b.c` first runs the packages `a.b` (their
    __init__), so those count as imported too; only the root package is left out (its lazy
    `__getattr__` imports nothing until an attribute is read)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        direct = _imports(path, modules)
        parents = {".".join(m.split(".")[:i]) for m in direct for i in range(2, m.count(".") + 1)}
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        graph[name] = direct | ((parents & modules) - own)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None. Importing a package's submodule runs the
    package's __init__ first, but that is not an edge the package's author wrote: it is left out."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = dfs(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = dfs(start)
            if found:
                return found
    return None


def test_the_cycle_finder_sees_function_level_imports(tmp_path: Path) -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    module = tmp_path / "mod.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from reportgen import report\n"
        "def f():\n    from reportgen.render import view\n",
        encoding="utf-8",
    )
    assert _imports(module, {"reportgen.report", "reportgen.render.view"}) == {"reportgen.render.view"}


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_over_600_lines() -> None:
    sizes = {
        p.relative_to(PACKAGE.parent).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_config_accepts_the_registered_drift_methods() -> None:
    """Config validation names the methods the registries hold. Univariate: read from the methods'
    folder. Multivariate: a list in config.py, since the steps import config (reading the registry
    there would be an import cycle); this test keeps the two equal."""
    from reportgen import config, pipeline_steps  # noqa: F401  (registers every step)
    from reportgen.drift.methods import UNIVARIATE_METHODS
    from reportgen.steps import STEPS

    assert config.univariate_method_names() == sorted(UNIVARIATE_METHODS.names())
    assert sorted(config.MULTIVARIATE_METHODS) == sorted(n for n, c in STEPS.items() if c.step == "multivariate_drift")
