"""Imports go one way: the harness and the bench use no test module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["harness", "bench"])
def test_a_package_beside_the_tests_imports_none_of_them(package: str) -> None:
    """No module of ``harness/`` or ``bench/`` imports ``tests`` or anything under it."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imported(path) if n.split(".")[0] == "tests"
        )
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
