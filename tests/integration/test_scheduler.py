"""The scheduler against real Redis and MariaDB: one job per source per interval."""

from __future__ import annotations

import asyncio
from typing import Any

import aiomysql
from redis.asyncio import Redis

from services.scheduler.loop import Scheduler
from shared.config import Settings
from shared.db.jobs import list_jobs
from shared.models.jobs import JobStatus, JobTrigger
from shared.sources.registry import build_planners
from shared.streams import names
from shared.streams.codec import decode_command
from tests.integration.jobs_helpers import new_job, reload


def _scheduler(settings: Settings, pool: aiomysql.Pool, redis: Redis) -> Scheduler:
    """A scheduler of pokemon: it plans, so it needs no HTTP session."""
    planners = build_planners(settings)
    return Scheduler(redis=redis, pool=pool, planners=[planners["pokemon"]], interval_s=3600)


async def test_tick_opens_one_scheduled_job_with_its_first_command(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A tick opens a scheduled list job and emits one fan-out list command for it."""
    await _scheduler(settings, pool, redis).tick()
    jobs, total = await list_jobs(pool, source="pokemon", status=None, limit=10, offset=0)
    assert total == 1
    assert jobs[0].trigger is JobTrigger.SCHEDULED
    entries: Any = await redis.xrange(names.COMMANDS)
    assert len(entries) == 1
    message = decode_command(entries[0][1])
    assert message.envelope.job_id == jobs[0].id
    assert message.envelope.trace_id == jobs[0].trace_id
    assert message.command.type == "list_page"


async def test_two_schedulers_open_one_job_per_interval(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Concurrent ticks of two schedulers, repeated, open a single job in one interval."""
    first = _scheduler(settings, pool, redis)
    second = _scheduler(settings, pool, redis)
    await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
    _, total = await list_jobs(pool, source="pokemon", status=None, limit=10, offset=0)
    assert total == 1
    assert await redis.xlen(names.COMMANDS) == 1


async def test_run_until_stops_promptly(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """run_until ticks at once and returns as soon as the stop event is set."""
    stop = asyncio.Event()
    task = asyncio.create_task(_scheduler(settings, pool, redis).run_until(stop))
    for _ in range(100):
        if await redis.xlen(names.COMMANDS):
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, timeout=2)
    assert await redis.xlen(names.COMMANDS) == 1


async def test_tick_times_out_jobs_past_the_deadline(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """An open job older than WORKER_JOB_TIMEOUT is closed as timed_out, freeing its slot."""
    stuck = await new_job(pool)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET started_at = started_at - INTERVAL 1 HOUR WHERE id = %s",
            (str(stuck.id),),
        )
        await conn.commit()
    fresh = await new_job(pool)
    scheduler = _scheduler(settings, pool, redis)
    await scheduler.tick()
    assert (await reload(pool, stuck)).status is JobStatus.TIMED_OUT
    assert (await reload(pool, stuck)).finished_at is not None
    assert (await reload(pool, fresh)).status is JobStatus.PENDING


async def test_no_scheduled_job_while_one_for_the_source_is_open(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A tick in a new interval opens nothing while the source still has an open job."""
    manual = await new_job(pool, force_sync=True)
    await _scheduler(settings, pool, redis).tick()
    jobs, total = await list_jobs(pool, source="pokemon", status=None, limit=10, offset=0)
    assert total == 1
    assert jobs[0].id == manual.id
    assert await redis.xlen(names.COMMANDS) == 0
