"""`search/` has no import cycle, imports inside functions and under TYPE_CHECKING included.

A deferred import only hides a cycle until someone moves it to the top of the file; the
layers stay honest only when a lower module never reaches up, however late it does so.

The rules the graph is built by:
- every `import` and `from ... import` anywhere in a module counts (relative ones resolved);
- `from pkg import name` is an edge to `pkg.name` when that is a module, else to `pkg`;
- importing `search.x.y` also runs `search.x/__init__`, but that implicit import of the
  parent package is not an edge: a package whose `__init__` imports its own submodules
  (`search.report` does) is normal. A submodule that explicitly imports a name from its own
  package's `__init__` is an edge to the package, and a cycle when that `__init__` imports
  the submodule back (directly or not), since one of the two then runs half-initialized.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "search"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / PACKAGE).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The `search.*` modules that `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.module, node.level)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else base)
    return {target for target in found if target in known and target != name}


def _resolve(package: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_search_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_rules_see_deferred_relative_and_from_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert _resolve("search.tuning", "oracle", 1) == "search.tuning.oracle"
    assert _resolve("search.tuning", None, 2) == "search"
    edges = import_graph()
    assert "search.tuning.tuners" in edges["search.runner"], "an import inside a function"
    assert "search.report.trials" in edges["search.report"], "a package's own submodule"
