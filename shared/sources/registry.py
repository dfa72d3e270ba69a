"""Sources by name: adding a source means adding a module and one line here."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from redis.asyncio import Redis

from shared.config import RetrySettings, Settings
from shared.resilience.breaker import Breaker
from shared.sources.base import Source
from shared.sources.names import POKEMON
from shared.sources.pokeapi import PokeApiSource


def build_sources(
    settings: Settings, session: aiohttp.ClientSession, redis: Redis
) -> dict[str, Source]:
    """Every source, keyed by the name used in ``API_API_TYPE`` and on the streams."""
    pokeapi_timeout = settings.pokeapi.request_timeout
    sources: list[Source] = [
        PokeApiSource(
            settings.pokeapi,
            settings.retry,
            session,
            build_breaker(redis, POKEMON, settings.retry, pokeapi_timeout),
        )
    ]
    return {source.name: source for source in sources}


def build_breaker(
    redis: Redis, source: str, retry: RetrySettings, request_timeout: timedelta
) -> Breaker:
    """The shared breaker of ``source``; a probe that outlives its request is replaced."""
    return Breaker(
        redis=redis,
        source=source,
        threshold=retry.circuit_threshold,
        open_ms=int(retry.circuit_timeout.total_seconds() * 1000),
        probe_ms=int((request_timeout.total_seconds() + 5) * 1000),
    )
