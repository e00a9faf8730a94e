"""The import graph the house keeps (../shared/design/house.md): no cycle in bot/, between modules or between its
packages, counting imports made only for type checking and inside functions; the store and the Leonar client know
nothing of Slack, the store nothing of HTTP; the view builders do no I/O."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"


def _modules() -> dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def imports(module: str) -> set[str]:
    """Every module `module` imports, wherever the import statement stands; `from package import name` counts as
    an import of the submodule when `name` is one, else of the package."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def inside() -> dict[str, set[str]]:
    return {m: {t for t in imports(m) if t in MODULES and t != m} for m in MODULES}


def test_no_module_imports_itself_back() -> None:
    assert cycles(inside()) == []


def test_no_package_imports_itself_back() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in inside().items():
        for target in targets:
            here, there = ".".join(module.split(".")[:2]), ".".join(target.split(".")[:2])
            if here != there:
                packages[here].add(there)
    assert cycles(packages) == []


@pytest.mark.parametrize(("package", "forbidden"), [
    ("bot.store", ("slack_sdk", "slack_bolt", "bot.slack", "bot.listeners", "httpx", "aiohttp", "starlette",
                   "bot.leonar", "bot.views")),
    ("bot.leonar", ("slack_sdk", "slack_bolt", "bot.slack", "bot.listeners", "bot.views", "bot.store")),
    ("bot.activity", ("slack_sdk", "slack_bolt", "httpx", "aiohttp", "bot.store", "bot.slack")),
    ("bot.views", ("httpx", "aiohttp", "slack_sdk.web", "slack_bolt", "bot.store.database", "bot.slack",
                   "bot.listeners", "psycopg", "sqlite3")),
    ("bot.durable", ("slack_sdk", "slack_bolt", "bot.slack", "bot.listeners")),
    ("bot.feedback", ("slack_sdk", "slack_bolt", "httpx", "aiohttp", "bot.store", "bot.slack", "bot.leonar",
                      "bot.views", "bot.listeners")),
])
def test_each_layer_knows_only_what_it_should(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = {f"{module} -> {target}" for module in MODULES if module == package or module.startswith(f"{package}.")
             for target in imports(module) if target.startswith(forbidden)}
    assert not wrong, sorted(wrong)
