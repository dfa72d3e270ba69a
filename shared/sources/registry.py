"""Sources by name: adding a source means adding a module and one line here."""

from __future__ import annotations

import aiohttp

from shared.config import Settings
from shared.sources.base import Source
from shared.sources.pokeapi import PokeApiSource


def build_sources(settings: Settings, session: aiohttp.ClientSession) -> dict[str, Source]:
    """Every source, keyed by the name used in ``API_API_TYPE`` and on the streams."""
    sources: list[Source] = [PokeApiSource(settings.pokeapi, settings.retry, session)]
    return {source.name: source for source in sources}
