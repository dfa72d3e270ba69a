"""Sources by name, built from their definitions: adding a source is adding a YAML file.

The built-in definitions and ``SOURCES_DIR``'s are loaded (``load_declared``); each
gives a planner (from the definition alone) and a fetcher (which also needs the HTTP
session, Redis for the breaker and budget, and the pool for stored validators). Every
other module learns source names here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import aiomysql
from dotenv import dotenv_values
from redis.asyncio import Redis

from shared.config import RetrySettings, Settings
from shared.db.validators import ValidatorStore
from shared.observability.redaction import register_secrets
from shared.resilience.breaker import Breaker
from shared.resilience.budget import RequestBudget
from shared.sources.base import SourceFetcher, SourcePlanner
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional
from shared.sources.declared import LoadedSource, SourceDefinition, load_sources
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.declared.refusals import secret_hint
from shared.values.rates import Rate

# The order sources are listed in, and the default one first: data, not behaviour.
# Other sources (SOURCES_DIR's) follow by name.
_LISTED_FIRST = ("pokemon", "openweather")
ENV_FILE = Path(".env")  # read as Settings reads it: the environment wins


def process_env() -> dict[str, str]:
    """What ``${VAR}`` in a definition reads: ``.env`` (if any), then the environment."""
    values = dotenv_values(ENV_FILE) if ENV_FILE.is_file() else {}
    return {**{k: v for k, v in values.items() if v is not None}, **os.environ}


def load_declared(env: Mapping[str, str] | None = None) -> dict[str, LoadedSource]:
    """The definitions the running service uses: the built-in ones, and ``SOURCES_DIR``'s,
    in registry order.

    ``env`` (default: ``process_env()``) fills ``${VAR}`` and names ``SOURCES_DIR``.
    Raises ``DefinitionError`` listing every problem. Every auth value found is
    registered with redaction, so no log line, stored error or answer can show it.
    """
    env = process_env() if env is None else env
    directory = env.get("SOURCES_DIR", "").strip()
    loaded = load_sources(env=env, sources_dir=Path(directory) if directory else None)
    for source in loaded.values():
        register_secrets(source.definition.secret_values())
    first = [name for name in _LISTED_FIRST if name in loaded]
    return {name: loaded[name] for name in [*first, *(n for n in loaded if n not in first)]}


def registered_names() -> tuple[str, ...]:
    """The names of every defined source, in registry order."""
    return tuple(load_declared())


def default_source(enabled: list[str]) -> str:
    """The source a sync request without ``api_source`` names: the first registered one enabled."""
    return next(name for name in load_declared() if name in enabled)


def not_enabled_message(source: str, enabled: list[str]) -> str:
    """What to do when a sync names a source outside ``API_API_TYPE``: one line."""
    known = load_declared()
    if source not in known:
        return f"unknown source {source!r}; choose from {', '.join(sorted(known))}"
    wanted = ",".join([*enabled, source])
    return (
        f"source {source!r} is not enabled: set API_API_TYPE={wanted} "
        "(in the environment or .env) and restart"
    )


def build_planners(settings: Settings) -> dict[str, SourcePlanner]:
    """Every source's planner, keyed by name, in registry order; built from the definitions."""
    return {name: DeclaredPlanner(loaded.definition) for name, loaded in load_declared().items()}


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
    return {
        name: fetcher_for(loaded, settings, session, redis, pool)
        for name, loaded in load_declared().items()
    }


def fetcher_for(
    loaded: LoadedSource,
    settings: Settings,
    session: aiohttp.ClientSession,
    redis: Redis,
    pool: aiomysql.Pool | None = None,
) -> DeclaredFetcher:
    """The fetcher of one loaded definition, as the fetcher service builds it: a blank
    secret fails its jobs naming the variables its file reads it from."""
    return build_declared_fetcher(
        loaded.definition,
        settings,
        session,
        redis,
        pool,
        secret_hint=secret_hint(loaded.definition, loaded.file),
    )


def build_declared_fetcher(
    definition: SourceDefinition,
    settings: Settings,
    session: aiohttp.ClientSession,
    redis: Redis,
    pool: aiomysql.Pool | None = None,
    *,
    secret_hint: str | None = None,
) -> DeclaredFetcher:
    """The fetcher of one definition, with the source's shared breaker, budget and retries.

    ``pool`` lets it send stored validators (conditional requests) and read the change
    signal's last sweep; without it every request is a full one. ``secret_hint`` says
    where a blank auth value is set, for the job's error.
    """
    limits = _Limits(request_timeout=definition.timeout, rate_limit=definition.rate_limit)
    client = build_client(settings, session, redis, definition.name, limits)
    headers = declared_headers(definition) or None
    client = replace(client, headers=headers, actions=definition.error_action)
    conditional = None
    if pool is not None:
        conditional = Conditional(
            source=definition.name,
            client=client,
            store=ValidatorStore(pool),
            full_sweep_interval=settings.source.full_sweep_interval,
            list_answer_retention=settings.source.list_answer_retention,
        )
    return DeclaredFetcher(definition, client, conditional, secret_hint=secret_hint)


def declared_headers(definition: SourceDefinition) -> dict[str, str]:
    """What every request of a definition carries: its ``headers``, then its auth's.

    An auth header replaces a definition header of the same name (names ignore case).
    """
    auth = definition.auth.headers()
    fixed = {k: v for k, v in definition.headers.items() if k.lower() not in _lower(auth)}
    return {**fixed, **auth}


def _lower(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers}


@dataclass(frozen=True)
class _Limits:
    """A definition's timeout and rate limit, as ``build_client`` reads a settings section."""

    request_timeout: timedelta
    rate_limit: Rate | None


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
