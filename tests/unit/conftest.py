"""Fixtures the unit tests of sources share: in-memory Redis and a fake upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import fakeredis
import pytest
from redis.asyncio import Redis

from tests.unit.fake_upstream import FakeUpstream


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
