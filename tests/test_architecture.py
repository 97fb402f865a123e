"""The package's layers: imports point only down the list in the README's Development section.

Every module of ``csto_kg`` is read with :mod:`ast` (nothing is imported), and every import is
counted wherever it is written: at the top, inside a function, under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "csto_kg"

#: Each part of the package and its place; a module may import its own part and the parts below.
LAYERS = {
    "csto_kg": 0, "csto_kg.problems": 0, "csto_kg.settings": 0, "csto_kg.retry": 0, "csto_kg.collector": 0,
    "csto_kg.priority": 0,
    "csto_kg.records": 1,
    "csto_kg.graph": 2,
    "csto_kg.tenure": 3,
    "csto_kg.store": 4,
    "csto_kg.check": 5, "csto_kg.draft": 5,
    "csto_kg.query": 6,
    "csto_kg.wikidata": 7,
    "csto_kg.web": 8,
    "csto_kg.cli": 9,
}


def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the package (a package is named by its ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imports(name: str, path: Path) -> list[tuple[str, int]]:
    """(imported name, line) for every import in a module; ``from X import y`` counts as importing
    the module ``X.y`` when there is one, else ``X``."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in MODULES else base, node.lineno))
    return found


def internal(target: str) -> str | None:
    """The module of the package that ``target`` names (``csto_kg.x.y.Name`` -> ``csto_kg.x.y``)."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def layer(module: str) -> int:
    part = ".".join(module.split(".")[:2])  # csto_kg, a top-level module, or a subpackage
    if part in LAYERS:
        return LAYERS[part]
    raise AssertionError(f"{module} is in no layer; add its part to LAYERS and to the README's Development section")


GRAPH = {name: {(t, line) for imported, line in imports(name, path)
                if (t := internal(imported)) is not None and t != name}
         for name, path in MODULES.items()}


def test_the_modules_are_found():
    assert {"csto_kg.problems", "csto_kg.store.embedded", "csto_kg.check.validate", "csto_kg.web.sparql",
            "csto_kg.cli"} <= set(MODULES)
    assert len(MODULES) > 40


def test_every_module_has_a_layer():
    for name in MODULES:
        layer(name)


def test_imports_only_point_down():
    upward = sorted(f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}: {name} imports {target}"
                    for name, targets in GRAPH.items() for target, line in targets if layer(target) > layer(name))
    assert not upward, "imports pointing up the layers:\n" + "\n".join(upward)


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_loops():
    edges = {name: {target for target, _line in targets} for name, targets in GRAPH.items()}
    found = loops(edges)
    assert not found, "import loops (imports inside functions included):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_loops_are_found():
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert loops({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_flask_only_in_web(name):
    if name == "csto_kg.web" or name.startswith("csto_kg.web."):
        return
    flask = [line for imported, line in imports(name, MODULES[name]) if imported.split(".")[0] == "flask"]
    assert not flask, f"{MODULES[name]} imports Flask on line(s) {flask}; only csto_kg.web may"
