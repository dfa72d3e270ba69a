"""Building declared sources for unit tests: a definition from YAML text, its real fetcher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aioresponses.core import normalize_url
from redis.asyncio import Redis
from yarl import URL

from shared.config import Settings
from shared.models.commands import PageCommand
from shared.sources.declared import SourceDefinition, load_sources, parse_definition
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.registry import build_declared_fetcher
from tests.unit.fake_upstream import FakeUpstream

BASE = "http://api.test/v1"


def definition(text: str, env: dict[str, str] | None = None) -> SourceDefinition:
    """A definition parsed as the loader parses a file."""
    return parse_definition(text, file=Path("test.yaml"), env=env or {})


def url(path: str, **query: str | int) -> URL:
    """A URL under the test API, with its query."""
    return URL(f"{BASE}{path}").with_query({k: str(v) for k, v in query.items()})


def sent(upstream: FakeUpstream, target: URL) -> list[dict[str, object]]:
    """The keyword arguments of each request made to ``target``."""
    return [call.kwargs for call in upstream.requests.get(("GET", normalize_url(target)), [])]


FetcherFactory = Callable[[SourceDefinition], DeclaredFetcher]


@asynccontextmanager
async def fetchers(redis: Redis) -> AsyncIterator[FetcherFactory]:
    """Builds the real fetcher of a definition over one client session, without MySQL."""
    settings = Settings(_env_file=None)
    async with aiohttp.ClientSession() as session:
        yield lambda d: build_declared_fetcher(d, settings, session, redis)


def builtin(name: str, env: dict[str, str] | None = None) -> SourceDefinition:
    """A built-in definition, loaded with ``env`` as the service loads it."""
    return load_sources(env=env or {}, sources_dir=None)[name].definition


def list_command(
    base_url: str, path: str, offset: int, limit: int, *, fan_out: bool = False
) -> PageCommand:
    """One offset list page: the first one of a job (``fan_out``), or one it fanned out."""
    params = {"offset": str(offset), "limit": str(limit)}
    return PageCommand(
        url=f"{base_url}{path}",
        params=params,
        page=1 if fan_out else offset // limit + 1,  # a job's pages count from its first
        fanned=not fan_out,
        fan_out=fan_out,
    )
