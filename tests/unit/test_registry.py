"""The source registry: one place names every source, and every name builds a source."""

from __future__ import annotations

import aiohttp
import fakeredis

from shared.config import Settings
from shared.sources.names import SOURCE_NAMES
from shared.sources.registry import build_sources, registered_names


def test_registry_and_config_know_the_same_sources() -> None:
    """The names API_API_TYPE accepts are exactly the registered sources."""
    assert registered_names() == SOURCE_NAMES


async def test_every_registered_source_builds_under_its_name() -> None:
    """Building the sources opens nothing and keys each by its own name, key or no key."""
    redis = fakeredis.FakeAsyncRedis()
    async with aiohttp.ClientSession() as session:
        sources = build_sources(Settings(_env_file=None), session, redis)
    assert {name: source.name for name, source in sources.items()} == {
        name: name for name in SOURCE_NAMES
    }
    await redis.aclose()
