"""Imports go one way: each package imports only what the README's Layout section allows.

Every module is read with ``ast`` (nothing is imported), so a rule that breaks names the
module and the import that breaks it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("shared", "services", "harness", "bench", "tests", "migrations")
SERVICES = ("api", "scheduler", "fetcher", "writer", "ops")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: str) -> list[Path]:
    """The modules of a package folder, or the one module ``package``.py."""
    folder = ROOT / package
    if folder.is_dir():
        return sorted(folder.rglob("*.py"))
    return [folder.with_suffix(".py")]


def _path_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def _imports(path: Path) -> tuple[str, ...]:
    """Every module of ours that ``path`` imports, anywhere in it (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.append(module)
            # ``from shared.streams import names`` imports the module shared.streams.names
            names.extend(
                f"{module}.{alias.name}"
                for alias in node.names
                if _path_of(f"{module}.{alias.name}") is not None
            )
    return tuple(sorted({n for n in names if n.split(".")[0] in OURS}))


def _executed(module: str) -> Iterator[str]:
    """The modules that importing ``module`` runs: its parent packages, then itself."""
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join(parts[:i])


def _chain_to(start: str, forbidden: str) -> list[str] | None:
    """The import chain from ``start`` to the first module under ``forbidden``, if any."""
    seen = {start}
    queue: list[list[str]] = [[start]]
    while queue:
        chain = queue.pop(0)
        path = _path_of(chain[-1])
        if path is None:
            continue
        for imported in _imports(path):
            for module in _executed(imported):
                if module == forbidden or module.startswith(forbidden + "."):
                    return [*chain, module]
                if module not in seen:
                    seen.add(module)
                    queue.append([*chain, module])
    return None


def _offenders(package: str, allowed: tuple[str, ...], checked: tuple[str, ...]) -> list[str]:
    """``module: import`` for each import under ``checked`` and not under ``allowed``."""

    def under(name: str, prefixes: tuple[str, ...]) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    return [
        f"{_module_name(path)}: {name}"
        for path in _modules(package)
        for name in _imports(path)
        if under(name, checked) and not under(name, allowed)
    ]


@pytest.mark.parametrize("package", ["harness", "bench"])
def test_a_package_beside_the_tests_imports_none_of_them(package: str) -> None:
    """No module of ``harness/`` or ``bench/`` imports ``tests`` or anything under it."""
    assert _offenders(package, allowed=(), checked=("tests",)) == []


def test_shared_imports_no_service_and_nothing_beside_it() -> None:
    """``shared`` is imported by every service and imports none of them, nor the harness,
    the bench or the tests."""
    assert _offenders("shared", (), ("services", "harness", "bench", "tests")) == []


def test_the_harness_imports_only_shared() -> None:
    """The harness runs the services as processes; it imports no service, bench or test."""
    assert _offenders("harness", (), ("services", "bench", "tests")) == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    """Services talk only over streams: none imports another's package (only ``services/cli.py``
    and ``services/runner.py`` may name them all)."""
    others = tuple(f"services.{s}" for s in SERVICES if s != service)
    checked = (*others, "services.cli", "services.runner", "harness", "bench", "tests")
    assert _offenders(f"services/{service}", (), checked) == []


def test_only_the_services_start_a_service() -> None:
    """``shared.runtime`` (start, stop, the worker endpoint, health) sits on top of ``shared``:
    no other package of ``shared`` imports it."""
    offenders = [
        line
        for package in sorted(p.name for p in (ROOT / "shared").iterdir() if p.is_dir())
        if package not in {"runtime", "__pycache__"}
        for line in _offenders(f"shared/{package}", (), ("shared.runtime",))
    ]
    assert offenders == []


@pytest.mark.parametrize("leaf", ["values", "errors"])
def test_values_and_errors_import_nothing_of_ours(leaf: str) -> None:
    """``shared.values`` and ``shared.errors`` are the leaves every other part builds on."""
    assert _offenders(f"shared/{leaf}", (f"shared.{leaf}",), OURS) == []


def _stream_modules() -> list[str]:
    return [_module_name(path) for path in _modules("shared/streams")]


# ``from_settings`` reads ``Settings``, and ``Settings`` names the sources' registry, which
# keeps its validators in MySQL: it may reach shared.db, never the migrations.
_PROTOCOL = [m for m in _stream_modules() if m != "shared.streams.from_settings"]


@pytest.mark.parametrize("module", _stream_modules())
def test_the_stream_package_never_loads_the_migrations(module: str) -> None:
    """No module of ``shared.streams`` reaches ``shared.db.migrate``, directly or through what
    it imports: the Redis loop does not depend on MySQL's schema code."""
    chain = _chain_to(module, "shared.db.migrate")
    assert chain is None, " -> ".join(chain)


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        *((m, "shared.db") for m in _PROTOCOL),
        *((m, "shared.runtime") for m in _stream_modules()),
        *((_module_name(p), "shared.db") for p in _modules("shared/observability")),
        *((_module_name(p), "shared.db.migrate") for p in _modules("shared/redis")),
        ("migrations", "shared"),
    ],
)
def test_a_module_does_not_reach_a_package_through_any_import(module: str, forbidden: str) -> None:
    """Through any chain of imports: the stream protocol loads no MySQL code and no stream
    module the runtime; observability loads no MySQL code; the Redis package no migrations;
    the migrations' package no Python of ours."""
    chain = _chain_to(module, forbidden)
    assert chain is None, " -> ".join(chain)
