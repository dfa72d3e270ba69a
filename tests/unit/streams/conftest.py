"""Stream group fixtures: every contract holds on fakeredis and on real Redis alike."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from shared.streams.groups import ensure_group
from tests.unit.streams.group_streams import GROUP, STREAM


@pytest.fixture
def redis(any_redis: Redis) -> Redis:
    """Every contract here holds on fakeredis and on a real Redis alike."""
    return any_redis


@pytest.fixture
async def group(redis: Redis) -> str:
    """The test stream with its consumer group created."""
    await ensure_group(redis, STREAM, GROUP)
    return GROUP
