"""Declared fetcher tests' shared pieces: a definition head, its first command, a detail source."""

from __future__ import annotations

from shared.models.commands import PageCommand
from shared.models.spec import SyncSpec
from shared.sources.declared.planner import DeclaredPlanner
from tests.unit.declared_helpers import BASE, definition

HEAD = f"name: things\nbase_url: {BASE}\n"


def first(text: str) -> PageCommand:
    """The first command a list job of this definition starts with."""
    (command,) = DeclaredPlanner(definition(text)).plan(SyncSpec(source="things"))
    assert isinstance(command, PageCommand)
    return command


def things(*ids: int) -> list[dict[str, object]]:
    """List records naming their URL, as PokeAPI's do."""
    return [{"url": f"{BASE}/things/{i}/", "name": f"thing {i}"} for i in ids]


DETAILS = (
    HEAD
    + """
auth: {type: basic, username: annie, password: pass-word}
headers: {Accept: application/json}
concurrency: 2
list:
  path: /things
  paginator: {type: single}
  records: results
  id: {path: url, pattern: '/things/(\\d+)/$'}
  name: name
detail:
  path: /things/{id}/
errors: {404: ignore, 410: item_failed, 500: job_failed, 418: retry}
"""
)
