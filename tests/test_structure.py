"""The layout the design promises (../shared/DESIGN.md), checked on the source itself.

Dependencies point inward and never loop (an import inside a function counts), modules stay
small, the pure parts import no database, the command line holds no SQL and no sequencing of
core steps, and settings are read in one place.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "trialscout"
MAX_LINES = 800
DATABASE_DRIVERS = ("sqlite3", "psycopg", "psycopg2", "psycopg_pool", "asyncpg", "sqlalchemy", "duckdb")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every module this one imports, anywhere in it (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES}
    return found


GRAPH = {name: {m for m in imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    return found


def in_package(prefix: str) -> dict[str, Path]:
    return {name: path for name, path in MODULES.items() if name == prefix or name.startswith(prefix + ".")}


def test_no_import_loops() -> None:
    assert cycles() == []


def test_the_loop_finder_finds_a_loop() -> None:
    GRAPH["trialscout.model.nct"].add("trialscout.errors")
    GRAPH["trialscout.errors"].add("trialscout.model.nct")
    try:
        assert ["trialscout.errors", "trialscout.model.nct"] in cycles()
    finally:
        GRAPH["trialscout.model.nct"].discard("trialscout.errors")
        GRAPH["trialscout.errors"].discard("trialscout.model.nct")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_800_lines(name: str) -> None:
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize(
    "package", ["trialscout.search", "trialscout.matching", "trialscout.services", "trialscout.evaluation"]
)
def test_search_matching_and_services_import_no_database_driver(package: str) -> None:
    for name, path in in_package(package).items():
        drivers = {m for m in imports(path) if m.split(".")[0] in DATABASE_DRIVERS}
        assert not drivers, f"{name} imports {drivers}"
        assert "trialscout.store.sqlite" not in imports(path) or package == "trialscout.services", name


def test_matching_is_pure() -> None:
    for name, path in in_package("trialscout.matching").items():
        reached = {m for m in imports(path) if m.startswith(("trialscout.store", "trialscout.search"))}
        reached |= {m for m in imports(path) if m.startswith(("trialscout.services", "trialscout.cli"))}
        assert not reached, f"{name} imports {reached}"


def test_the_patient_layer_is_pure() -> None:
    """trialpage's rules are functions of a record: no store, search, service or edge (the store's
    result types aside), and no database driver."""
    edges = (
        "trialscout.store",
        "trialscout.search",
        "trialscout.services",
        "trialscout.cli",
        "trialscout.web",
    )
    for name, path in in_package("trialscout.trialpage").items():
        reached = {m for m in imports(path) if m.startswith(edges) and m != "trialscout.store.base"}
        assert not reached, f"{name} imports {reached}"
        assert not {m for m in imports(path) if m.split(".")[0] in DATABASE_DRIVERS}, name


#: What the command line may use: the services, and what it needs to parse options and render.
CLI_ALLOWED = (
    "trialscout.cli",
    "trialscout.services",
    "trialscout.model",
    "trialscout.errors",
    "trialscout.settings",
    "trialscout.patients",  # reading the patient file the user named
    "trialscout.evaluation",  # `trialscout eval` is the evaluation library's own edge
    "trialscout.eligibility.model",
    "trialscout.eligibility.describe",
    "trialscout.eligibility.split",
    "trialscout.matching.check",  # verdict types, for rendering
    "trialscout.search.results",  # request and result types
    "trialscout.search.index",  # the index report type
    "trialscout.sources.api",  # the query and client a sync is given
    "trialscout.store.base",  # the store protocol and result types
    "trialscout.store.load",  # the load report types
    "trialscout.store.sync",  # the sync report types
    "trialscout.store.criteria",  # the parse report type
    "trialscout.web.serve",  # `trialscout serve` starts the HTTP edge
    "trialscout.trialpage",  # the patient layer's types, for rendering
)
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I
)
CORE_STEPS = {"load_paths", "load_items", "sync", "update_parsed_criteria", "update", "migrate"}


def test_the_cli_holds_no_sql_and_no_sequencing() -> None:
    for name, path in in_package("trialscout.cli").items():
        tree = ast.parse(path.read_text())
        used = {m for m in imports(path) if m.startswith("trialscout")}
        assert all(m.startswith(CLI_ALLOWED) for m in used), f"{name} imports {used}"
        assert not {m for m in imports(path) if m.split(".")[0] in DATABASE_DRIVERS}, name
        strings = [
            n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        assert not [s for s in strings if SQL.search(s)], f"{name} holds SQL"
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trialscout.store")
            for alias in node.names
        }
        assert not names & CORE_STEPS, f"{name} runs core steps itself: {names & CORE_STEPS}"


def test_settings_are_read_in_one_place() -> None:
    for name, path in MODULES.items():
        text = path.read_text()
        if name != "trialscout.settings":
            assert "os.environ" not in text and "getenv(" not in text, name


def test_nothing_finds_files_through_the_source_tree() -> None:
    for name, path in MODULES.items():
        text = path.read_text()
        assert not re.search(r"__file__\)(\.resolve\(\))?\.parents?\b", text), name


def test_every_cli_module_is_reachable_as_a_command() -> None:
    from trialscout.cli.app import COMMANDS

    modules = {
        name for name in in_package("trialscout.cli") if name not in ("trialscout.cli", "trialscout.cli.app")
    }
    helpers = {"trialscout.cli.reports", "trialscout.cli.show_patient"}
    assert modules - helpers == set(COMMANDS.values())
