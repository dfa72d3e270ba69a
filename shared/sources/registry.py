"""Sources by name: adding a source means adding a package and one row in ``_SOURCES``.

Each row says how to build the source's planner (from ``Settings`` alone) and its
fetcher (which also needs the HTTP session, Redis for the breaker and budget, and
the pool for stored validators). Every other module learns source names here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
import aiomysql
from redis.asyncio import Redis

from shared.config import RetrySettings, Settings
from shared.db.validators import ValidatorStore
from shared.resilience.breaker import Breaker
from shared.resilience.budget import RequestBudget
from shared.sources import openweather, pokeapi
from shared.sources.base import SourceFetcher, SourcePlanner
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional
from shared.values.rates import Rate


@dataclass(frozen=True)
class _Reach:
    """What a fetcher reaches its upstream with; none of it is used to plan."""

    session: aiohttp.ClientSession
    redis: Redis
    pool: aiomysql.Pool | None  # the fetcher's: stored validators for conditional requests


def _pokeapi_fetcher(settings: Settings, reach: _Reach) -> SourceFetcher:
    section = settings.pokeapi
    client = build_client(settings, reach.session, reach.redis, pokeapi.NAME, section)
    conditional = None
    if reach.pool is not None:
        conditional = Conditional(
            source=pokeapi.NAME,
            client=client,
            store=ValidatorStore(reach.pool),
            full_sweep_interval=settings.source.full_sweep_interval,
        )
    return pokeapi.PokeApiFetcher(section, client, conditional)


def _openweather_fetcher(settings: Settings, reach: _Reach) -> SourceFetcher:
    # OpenWeather sends no validators: every request is a full one.
    section = settings.openweather
    client = build_client(settings, reach.session, reach.redis, openweather.NAME, section)
    return openweather.OpenWeatherFetcher(section, client)


@dataclass(frozen=True)
class _Entry:
    """One registered source: how its planner and its fetcher are built."""

    planner: Callable[[Settings], SourcePlanner]
    fetcher: Callable[[Settings, _Reach], SourceFetcher]


# The one place a source is registered; the key is its name in API_API_TYPE and on the
# streams. The first one enabled is the source a sync request names by default.
_SOURCES: dict[str, _Entry] = {
    pokeapi.NAME: _Entry(lambda s: pokeapi.PokeApiPlanner(s.pokeapi), _pokeapi_fetcher),
    openweather.NAME: _Entry(
        lambda s: openweather.OpenWeatherPlanner(s.openweather), _openweather_fetcher
    ),
}


def registered_names() -> tuple[str, ...]:
    """The names of every registered source, in registry order."""
    return tuple(_SOURCES)


def default_source(enabled: list[str]) -> str:
    """The source a sync request without ``api_source`` names: the first registered one enabled."""
    return next(name for name in _SOURCES if name in enabled)


def not_enabled_message(source: str, enabled: list[str]) -> str:
    """What to do when a sync names a source outside ``API_API_TYPE``: one line."""
    if source not in _SOURCES:
        return f"unknown source {source!r}; choose from {', '.join(sorted(_SOURCES))}"
    wanted = ",".join([*enabled, source])
    return (
        f"source {source!r} is not enabled: set API_API_TYPE={wanted} "
        "(in the environment or .env) and restart"
    )


def build_planners(settings: Settings) -> dict[str, SourcePlanner]:
    """Every source's planner, keyed by name, in registry order; builds from settings alone."""
    return {name: entry.planner(settings) for name, entry in _SOURCES.items()}


def enabled_planners(settings: Settings) -> dict[str, SourcePlanner]:
    """The planners of the sources in ``API_API_TYPE``, in its order."""
    planners = build_planners(settings)
    return {name: planners[name] for name in settings.api.sources}


def detail_id_types(planners: dict[str, SourcePlanner]) -> dict[str, Any]:
    """The type of a detail sync's ``params.id`` for each planner, in the order given."""
    return {name: planner.detail_id for name, planner in planners.items()}


def build_fetchers(
    settings: Settings,
    session: aiohttp.ClientSession,
    redis: Redis,
    pool: aiomysql.Pool | None = None,
) -> dict[str, SourceFetcher]:
    """Every source's fetcher, keyed by the name used in ``API_API_TYPE`` and on the streams.

    Building one opens nothing: a source without its key fails its jobs, not start-up.
    ``pool`` (the fetcher's) lets sources send stored validators: conditional requests.
    """
    reach = _Reach(session=session, redis=redis, pool=pool)
    return {name: entry.fetcher(settings, reach) for name, entry in _SOURCES.items()}


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
