"""No import cycle in any service package: every module-level and deferred import counts.

A cycle works until the first import order that trips it (a partially initialised
module); a deferred import inside a function only hides it. The graph is read from the
source with `ast`, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from hop_local.services import ALL

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(ROOT.glob("services/*/src"))
SHARED = {"hop_contracts", "hop_instrumentation"}
SERVICE_PACKAGES = {service.package for service in ALL}


def module_names(src: Path) -> dict[str, Path]:
    """Return every ``hop_*`` module under ``src`` by dotted name."""
    modules = {}
    for path in sorted(src.glob("hop_*/**/*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def imported(module: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """Return the known modules ``module`` imports anywhere in its body, functions included."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:  # a submodule, else a name the base module defines
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    return {target for target in targets if target in known and target != module}


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{parent}.{node.module}" if node.module else parent


def import_graph() -> dict[str, set[str]]:
    """Return module -> the hop modules it imports, for every service package."""
    known = {name: path for src in SOURCES for name, path in module_names(src).items()}
    return {name: imported(name, path, known) for name, path in known.items()}


def cycles(graph: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """Yield one cycle (a path that returns to its start) per back edge a depth-first walk finds."""
    done: set[str] = set()
    for start in sorted(graph):
        yield from _walk(graph, start, [], done)


def _walk(
    graph: Mapping[str, set[str]], node: str, path: list[str], done: set[str]
) -> Iterator[list[str]]:
    if node in path:
        yield [*path[path.index(node) :], node]
        return
    if node in done:
        return
    path.append(node)
    for target in sorted(graph.get(node, ())):
        yield from _walk(graph, target, path, done)
    path.pop()
    done.add(node)


def test_import_graph_covers_every_service_package() -> None:
    packages = {name.partition(".")[0] for name in import_graph()}
    assert packages == SHARED | SERVICE_PACKAGES
    assert "hop_instrumentation._gunicorn" in import_graph()["hop_instrumentation.serving"]


def test_import_graph_of_service_packages_is_acyclic() -> None:
    assert [" -> ".join(cycle) for cycle in cycles(import_graph())] == []


def test_cycles_finds_a_cycle_through_a_deferred_import(tmp_path: Path) -> None:
    package = tmp_path / "hop_demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from hop_demo.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from . import a\n")
    known = module_names(tmp_path)
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert list(cycles(graph)) == [["hop_demo.a", "hop_demo.b", "hop_demo.a"]]


def _package(module: str) -> str:
    return module.partition(".")[0]


def _edges_between_packages() -> set[tuple[str, str]]:
    return {
        (_package(source), _package(target))
        for source, targets in import_graph().items()
        for target in targets
        if _package(source) != _package(target)
    }


def test_layers_services_use_only_the_shared_packages_which_use_no_service() -> None:
    allowed = {(service, shared) for service in SERVICE_PACKAGES for shared in SHARED}
    assert _edges_between_packages() - allowed == set()
