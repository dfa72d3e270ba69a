"""Fixtures the unit tests share: in-memory Redis, a fake upstream, a fetcher to drive."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import fakeredis
import pytest
from redis.asyncio import Redis

from tests.unit.fake_upstream import FakeUpstream
from tests.unit.fetcher_pipeline import Pipeline, open_pipeline


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """In-memory Redis holding a source's breaker."""
    client = fakeredis.FakeAsyncRedis(decode_responses=False)
    yield client
    await client.aclose()


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
