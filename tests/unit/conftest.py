"""Unit fixtures: fake Redis, a client session, a fake upstream, a fetcher, stand-in apps, env."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import fakeredis
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from harness.standin.app import create_app
from harness.standin.state import StandinState
from shared.config import Settings, setting_prefixes
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.registry import build_declared_fetcher
from tests.unit.builtin_pokemon import DEFINITION
from tests.unit.declared_helpers import FetcherFactory, fetchers
from tests.unit.fake_upstream import FakeUpstream
from tests.unit.fetcher_pipeline import Pipeline, open_pipeline
from tests.unit.standin_clients import Client, MakeClient


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """A fresh in-memory Redis that returns bytes, like the services' clients."""
    client = fakeredis.FakeAsyncRedis(decode_responses=False)
    yield client
    await client.aclose()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A real client session; only the transport is faked."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    """Fake upstream answers; a request nobody registered fails as a connection error."""
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
async def pipeline() -> AsyncIterator[Pipeline]:
    """A real fetcher in the loop's hands over fakeredis, with the real PokeAPI source."""
    async with open_pipeline() as opened:
        yield opened


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    """Start stand-in test servers on demand and close them after the test."""
    clients: list[Client] = []

    async def make(state: StandinState | None = None) -> Client:
        client: Client = TestClient(TestServer(create_app(state)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the developer's shell or a ``.env`` in the working directory."""
    prefixes = setting_prefixes()
    sections = {prefix.rstrip("_") for prefix in prefixes}
    for name in list(os.environ):
        if name.startswith(prefixes) or name.rstrip("_") in sections:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    """A stand-in serving the full recorded fixtures with no faults."""
    return await make_client(None)


@pytest.fixture
async def pokemon_source(redis: Redis) -> AsyncIterator[DeclaredFetcher]:
    """The built-in pokemon definition's fetcher: a real session, at ``http://pokeapi.test``."""
    async with aiohttp.ClientSession() as session:
        yield build_declared_fetcher(DEFINITION, Settings(_env_file=None), session, redis)


@pytest.fixture
async def build_fetcher(redis: Redis) -> AsyncIterator[FetcherFactory]:
    """Builds a definition's real fetcher (breaker and retries on in-memory Redis)."""
    async with fetchers(redis) as factory:
        yield factory
