"""``item-sync status`` against real Redis and MariaDB: what an operator sees."""

from __future__ import annotations

import io

import aiomysql
from redis.asyncio import Redis

from services.ops.status import print_status
from shared.config import Settings
from shared.streams import names
from tests.integration.jobs_helpers import new_job


async def test_status_shows_groups_consumers_breakers_and_jobs(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Lengths, lag, pending per group and consumer, breaker states and the last job appear."""
    await redis.xgroup_create(names.COMMANDS, names.FETCHERS, id="0", mkstream=True)
    for n in range(3):
        await redis.xadd(names.COMMANDS, {"type": "list", "n": str(n)})
    await redis.xreadgroup(names.FETCHERS, "fetcher-a", {names.COMMANDS: ">"}, count=2)
    await redis.hset(
        "itemsync:breaker:pokemon",
        mapping={"state": "open", "failures": "5", "trips": "1", "open_until_ms": "1"},
    )
    job = await new_job(pool)

    out = io.StringIO()
    await print_status(settings, out)
    text = out.getvalue()

    assert "itemsync:commands  length 3  group fetchers: lag 1, pending 2, consumers 1" in text
    assert "consumer fetcher-a  pending 2  idle" in text
    assert "itemsync:pages  length 0  group writers: not created yet" in text
    assert "itemsync:dead  length 0" in text
    assert "pokemon  open  failures 5  trips 1" in text
    assert "last jobs (1 of 1)" in text
    assert str(job.id) in text
