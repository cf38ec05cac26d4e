"""The import rules of docs/architecture.md, checked on the source, so a new import that breaks
them fails here rather than in a newcomer's head.

- ``firsthand.log`` imports nothing of the project but itself;
- ``firsthand.statements`` imports only ``log`` and itself;
- nothing outside ``web`` imports ``web``, except the commands that start the site;
- nothing imports the CLI but the CLI, and its modules never import the package's top;
- ``firsthand.ops`` (backup, restore) imports neither the web nor the CLI;
- ``firsthand.publishing`` imports neither the web nor the CLI, and `firsthand sequencer`
  reaches no web module, not even through another;
- no import cycles among the project's modules.

Every import counts, those inside functions too: a lazy import still ties two modules.
What the code does not yet meet is listed below with the work that will remove it (issue 23),
so that the list can only shrink: an entry that no longer happens fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "firsthand"

# The commands that start the site, or run its database: they are the web's edges.
MAY_IMPORT_WEB = {
    "firsthand.cli.site",
    "firsthand.cli.console",
    "firsthand.cli.init",
    "firsthand.cli.media_export",
    "firsthand.web.demo",
}
# Import cycles not yet undone, each with the work that undoes it (issue 23): none left.
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports.

    ``from a.b import c`` imports the module a.b.c when there is one, and the names of
    a.b otherwise: the package's own __init__ counts only when a name comes from it.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return found & modules


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    modules = set(files)
    return {name: imports_of(path, modules) - {name} for name, path in files.items()}


def within(name: str, part: str) -> bool:
    return name == part or name.startswith(part + ".")


def test_the_log_imports_nothing_of_the_project_but_itself() -> None:
    bad = {
        (m, i)
        for m, found in graph().items()
        if within(m, "firsthand.log")
        for i in found
        if not within(i, "firsthand.log")
    }
    assert not bad, sorted(bad)


def test_the_statements_import_only_the_log() -> None:
    bad = {
        (m, i)
        for m, found in graph().items()
        if within(m, "firsthand.statements")
        for i in found
        if not (within(i, "firsthand.log") or within(i, "firsthand.statements"))
    }
    assert not bad, sorted(bad)


def test_only_the_web_and_the_commands_that_start_it_import_the_web() -> None:
    bad = {
        (m, i)
        for m, found in graph().items()
        if not within(m, "firsthand.web") and m not in MAY_IMPORT_WEB
        for i in found
        if within(i, "firsthand.web")
    }
    assert not bad, sorted(bad)


def test_nothing_imports_the_cli_and_its_modules_never_import_its_top() -> None:
    bad = {
        (m, i)
        for m, found in graph().items()
        for i in found
        if within(i, "firsthand.cli") and (not within(m, "firsthand.cli") or i == "firsthand.cli")
    }
    assert not bad, sorted(bad)


def test_operations_import_neither_the_web_nor_the_cli() -> None:
    bad = {
        (m, i)
        for m, found in graph().items()
        if within(m, "firsthand.ops")
        for i in found
        if within(i, "firsthand.web") or within(i, "firsthand.cli")
    }
    assert not bad, sorted(bad)


def test_publishing_imports_neither_the_web_nor_the_cli() -> None:
    bad = {
        (m, i)
        for m, found in graph().items()
        if within(m, "firsthand.publishing")
        for i in found
        if within(i, "firsthand.web") or within(i, "firsthand.cli")
    }
    assert not bad, sorted(bad)


def reached_from(start: str, edges: dict[str, set[str]]) -> set[str]:
    """Every project module ``start`` imports, directly or through others."""
    reached: set[str] = set()
    todo = [start]
    while todo:
        for found in edges.get(todo.pop(), ()):
            if found not in reached:
                reached.add(found)
                todo.append(found)
    return reached


def test_the_sequencer_command_reaches_no_web_module() -> None:
    """`firsthand sequencer` is a process with no web in it: it runs firsthand.publishing.
    (Django loads the site's models when it starts, as any process on the database does.)"""
    edges = graph()
    assert "firsthand.cli.sequencer" in edges
    reached = reached_from("firsthand.cli.sequencer", edges)
    assert "firsthand.publishing.sequencer_process" in reached
    assert not {m for m in reached if within(m, "firsthand.web")}


def test_reached_from_follows_imports_through_other_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}}
    assert reached_from("a", edges) == {"a", "b", "c"}
    assert reached_from("d", edges) == {"e"}


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_but_those_listed_with_their_remedy() -> None:
    assert set(cycles(graph())) == KNOWN_CYCLES


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [frozenset({"a", "b"})]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [frozenset({"a", "b", "c"})]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(
    edges: dict[str, set[str]], expected: list[frozenset[str]]
) -> None:
    assert cycles(edges) == expected
