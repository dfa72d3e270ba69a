"""The fixed-window limit of ``POST /sync``, counted in Redis per client and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from services.api.ratelimit import RateLimited, hit
from shared.values.rates import Rate


async def test_the_request_past_the_rate_is_refused_with_the_time_left(
    redis: Redis,
) -> None:
    """Three of 3/min pass; the fourth raises with the seconds left in the window."""
    rate = Rate(3, timedelta(minutes=1))
    for _ in range(3):
        await hit(redis, "sync", "addr:1.2.3.4", rate)
    with pytest.raises(RateLimited) as caught:
        await hit(redis, "sync", "addr:1.2.3.4", rate)
    assert 55 <= caught.value.retry_after_s <= 60
    assert await redis.pttl("itemsync:ratelimit:sync:addr:1.2.3.4") > 0


async def test_clients_and_scopes_count_apart(redis: Redis) -> None:
    """One client's used-up window does not limit another client or another scope."""
    rate = Rate(1, timedelta(minutes=1))
    await hit(redis, "sync", "addr:a", rate)
    await hit(redis, "sync", "addr:b", rate)
    await hit(redis, "other", "addr:a", rate)
    with pytest.raises(RateLimited):
        await hit(redis, "sync", "addr:a", rate)
