"""The built-in pokemon definition fetching one detail: found, not found, nothing stray asked."""

from __future__ import annotations

import json
import re

import pytest

from shared.errors import TransientUpstreamError
from shared.models.commands import DetailCommand
from shared.sources.declared.fetcher import DeclaredFetcher
from tests.unit.builtin_pokemon import requested
from tests.unit.fake_upstream import (
    FakeUpstream,
    detail_json,
    detail_url,
    serve_details,
)


async def test_detail_command(pokemon_source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """A detail command yields that one item and no total."""
    serve_details(upstream, [25])

    page = await pokemon_source.fetch(DetailCommand(external_id="25"))

    assert [(item.external_id, item.name) for item in page.items] == [("25", "pikachu")]
    assert json.loads(page.items[0].payload) == detail_json(25)
    assert page.total is None
    assert requested(upstream) == [detail_url(25)]


async def test_detail_command_not_found(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail command for a missing id yields no item and one failure."""
    upstream.get(detail_url(99999), status=404)

    page = await pokemon_source.fetch(DetailCommand(external_id="99999"))

    assert page.items == []
    assert [failed.external_id for failed in page.failed] == ["99999"]


async def test_nothing_unregistered_is_requested(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """An unregistered URL fails like a refused connection, so a stray request cannot pass."""
    upstream.get(re.compile(r"^http://unused\.test/.*$"), status=200)
    with pytest.raises(TransientUpstreamError):
        await pokemon_source.fetch(DetailCommand(external_id="1"))
