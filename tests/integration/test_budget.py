"""The request budget against real Redis: callers together keep to N per period and wait."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta

from redis.asyncio import Redis

from shared.resilience.budget import Grant, RequestBudget
from shared.streams.names import budget_key
from shared.values.rates import Rate

EARLY_TOLERANCE_S = 0.005  # asyncio may wake a sleeper a clock tick early


def most_in_any_window(slots: list[float], period_s: float) -> int:
    """The largest number of slots inside any half-open window ``[t, t + period_s)``."""
    ordered = sorted(slots)
    best = 0
    for start, first in enumerate(ordered):
        inside = sum(1 for slot in ordered[start:] if slot < first + period_s)
        best = max(best, inside)
    return best


async def test_concurrent_callers_never_exceed_the_rate(redis: Redis) -> None:
    """Five fetchers sharing a 10/s budget take 25 tokens: at most 10 start in any second."""
    rate = Rate(10, timedelta(seconds=1))

    async def caller() -> list[tuple[Grant, float]]:
        # Each caller is its own budget object, as each fetcher process builds its own.
        budget = RequestBudget(redis=redis, source="pokemon", rate=rate)
        taken = []
        for _ in range(5):
            grant = await budget.take()
            taken.append((grant, time.time()))
        return taken

    started = time.monotonic()
    results = await asyncio.gather(*(caller() for _ in range(5)))
    elapsed = time.monotonic() - started

    grants = [pair for result in results for pair in result]
    slots = [grant.slot_s for grant, _ in grants]
    assert len(set(slots)) == 25
    assert most_in_any_window(slots, rate.period_s) <= 10
    # Nobody went ahead of its slot: each take returned at or after the slot it reserved.
    assert all(returned >= grant.slot_s - EARLY_TOLERANCE_S for grant, returned in grants)
    assert elapsed >= 2.3  # 25 evenly spread requests at 10/s span 2.4 s
    state = await redis.hgetall(budget_key("pokemon"))
    assert state[b"granted"] == b"25"
    assert state[b"interval_us"] == b"100000"


async def test_caller_over_budget_waits_then_proceeds(redis: Redis) -> None:
    """With the budget spent, the next caller waits about one interval and is then let through."""
    budget = RequestBudget(redis=redis, source="openweather", rate=Rate(2, timedelta(seconds=1)))
    first = await budget.take()
    started = time.monotonic()
    second = await budget.take()
    waited = time.monotonic() - started

    assert first.waited_s == 0.0
    assert 0.4 <= second.waited_s <= 0.55
    assert 0.4 <= waited <= 0.8
    assert round(second.slot_s - first.slot_s, 3) == 0.5
    assert (await redis.hgetall(budget_key("openweather")))[b"delayed"] == b"1"


async def test_caller_far_behind_waits_before_reserving(redis: Redis) -> None:
    """A caller whose slot lies beyond the reservation horizon waits, then asks again."""
    rate = Rate(10, timedelta(seconds=1))
    budget = RequestBudget(redis=redis, source="pokemon", rate=rate, max_ahead_s=0.2)
    returned: list[tuple[Grant, float]] = []

    async def take() -> None:
        grant = await budget.take()
        returned.append((grant, time.time()))  # Redis and this process share the host's clock

    await asyncio.gather(*(take() for _ in range(6)))

    slots = sorted(grant.slot_s for grant, _ in returned)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(slots)]
    assert all(gap >= 0.099 for gap in gaps)
    # Each caller is let go at its slot, not before, however late the loop first ran it; the
    # last slot lies 0.5 s out, beyond the 0.2 s horizon, so its caller waited to reserve it.
    assert all(at >= grant.slot_s - 0.005 for grant, at in returned)
    assert max(grant.waited_s for grant, _ in returned) > 0


async def test_unlimited_budget_never_waits_nor_touches_redis(redis: Redis) -> None:
    """A rate of 0 (None) lets every request through at once and writes nothing to Redis."""
    budget = RequestBudget(redis=redis, source="pokemon", rate=None)
    grants = await asyncio.gather(*(budget.take() for _ in range(50)))
    assert all(grant.waited_s == 0.0 for grant in grants)
    assert await redis.exists(budget_key("pokemon")) == 0
