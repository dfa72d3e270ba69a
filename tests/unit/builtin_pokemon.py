"""The built-in pokemon definition against the fake upstream: its list commands and requests."""

from __future__ import annotations

from yarl import URL

from shared.models.commands import PageCommand
from tests.unit.declared_helpers import builtin
from tests.unit.declared_helpers import list_command as _list_command
from tests.unit.fake_upstream import (
    BASE_URL,
    FakeUpstream,
)

POKEMON = "pokemon"
DEFINITION = builtin(POKEMON, {"POKEAPI_BASE_URL": BASE_URL, "POKEAPI_RATE_LIMIT": "0"})


def ListCommand(offset: int, limit: int, *, fan_out: bool = False) -> PageCommand:
    """The built-in definition's list page at ``offset`` of ``limit``."""
    return _list_command(BASE_URL, "/pokemon", offset, limit, fan_out=fan_out)


def requested(upstream: FakeUpstream) -> list[str]:
    """Every URL requested, in order of first request."""
    return [str(url) for _, url in upstream.requests]


def times_requested(upstream: FakeUpstream, url: str) -> int:
    """How many times one URL was requested."""
    return len(upstream.requests.get(("GET", URL(url)), []))
