"""Sources by name: adding a source means adding a module and one line in ``_FACTORIES``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
import aiomysql
from redis.asyncio import Redis

from shared.config import RetrySettings, Settings
from shared.db.validators import ValidatorStore
from shared.rates import Rate
from shared.resilience.breaker import Breaker
from shared.resilience.budget import RequestBudget
from shared.sources.base import Source
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional
from shared.sources.names import OPENWEATHER, POKEMON
from shared.sources.openweather import CITY_NAME, OpenWeatherSource
from shared.sources.pokeapi import POKEMON_ID, PokeApiSource


def _pokeapi(
    settings: Settings, session: aiohttp.ClientSession, redis: Redis, pool: aiomysql.Pool | None
) -> Source:
    section = settings.pokeapi
    client = build_client(settings, session, redis, POKEMON, section)
    conditional = None
    if pool is not None:
        conditional = Conditional(
            source=POKEMON,
            client=client,
            store=ValidatorStore(pool),
            full_sweep_interval=settings.source.full_sweep_interval,
        )
    return PokeApiSource(section, client, conditional)


def _openweather(
    settings: Settings, session: aiohttp.ClientSession, redis: Redis, pool: aiomysql.Pool | None
) -> Source:
    # OpenWeather sends no validators: every request is a full one.
    section = settings.openweather
    return OpenWeatherSource(section, build_client(settings, session, redis, OPENWEATHER, section))


SourceFactory = Callable[[Settings, aiohttp.ClientSession, Redis, aiomysql.Pool | None], Source]

# The one place a source is registered; the key is its name in API_API_TYPE and on streams.
_FACTORIES: dict[str, SourceFactory] = {
    POKEMON: _pokeapi,
    OPENWEATHER: _openweather,
}

# What ``params.id`` of a detail sync is for each source: validated and described by the API.
_DETAIL_IDS: dict[str, Any] = {
    POKEMON: POKEMON_ID,
    OPENWEATHER: CITY_NAME,
}


def detail_id_types(names: Iterable[str]) -> dict[str, Any]:
    """The detail id type of each named source, in the order given."""
    return {name: _DETAIL_IDS[name] for name in names}


def registered_names() -> frozenset[str]:
    """The names of every registered source."""
    return frozenset(_FACTORIES)


def build_sources(
    settings: Settings,
    session: aiohttp.ClientSession,
    redis: Redis,
    pool: aiomysql.Pool | None = None,
) -> dict[str, Source]:
    """Every source, keyed by the name used in ``API_API_TYPE`` and on the streams.

    Building one opens nothing: a source without its key fails its jobs, not start-up.
    ``pool`` (the fetcher's) lets sources send stored validators: conditional requests.
    """
    return {name: factory(settings, session, redis, pool) for name, factory in _FACTORIES.items()}


BREAKER_RECHECK_S = 0.25  # a fetcher whose calls succeed re-reads a closed breaker this often


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
        recheck_s=BREAKER_RECHECK_S,
    )


def build_budget(redis: Redis, source: str, rate: Rate | None) -> RequestBudget:
    """The request budget of ``source``, shared by every fetcher (``rate=None``: no limit)."""
    return RequestBudget(redis=redis, source=source, rate=rate)


class _SourceSection(Protocol):
    """What every source's settings section carries for reaching its upstream."""

    @property
    def request_timeout(self) -> timedelta: ...

    @property
    def rate_limit(self) -> Rate | None: ...


def build_client(
    settings: Settings,
    session: aiohttp.ClientSession,
    redis: Redis,
    source: str,
    section: _SourceSection,
) -> UpstreamClient:
    """The way ``source`` reaches its upstream: the shared session, breaker and budget."""
    return UpstreamClient(
        source=source,
        session=session,
        breaker=build_breaker(redis, source, settings.retry, section.request_timeout),
        retry=settings.retry,
        timeout_s=section.request_timeout.total_seconds(),
        budget=build_budget(redis, source, section.rate_limit),
    )
