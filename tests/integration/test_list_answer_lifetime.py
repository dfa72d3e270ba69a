"""Stored list answers live while syncs use them: saved or confirmed by a 304, they are
kept; unused past the retention, the scheduler drops them. One too large for a single
statement is never sent to the server."""

from __future__ import annotations

from datetime import timedelta

import aiomysql
import orjson
import pytest
from redis.asyncio import Redis

from services.scheduler.loop import Scheduler
from shared.db.validators import ValidatorStore
from shared.sources.validators import Validator
from shared.values.clock import utc_now
from tests.integration.list_answer_helpers import set_used, used_ago

RETENTION = timedelta(days=7)
ETAG = Validator(etag='W/"1"', last_modified=None)


async def test_a_tick_drops_only_answers_unused_past_the_retention(
    pool: aiomysql.Pool, redis: Redis
) -> None:
    store = ValidatorStore(pool)
    for url in ("/list?since=1", "/list?since=2", "/list?since=3"):
        await store.save_list_answer("github", url, ETAG, "[]")
    await set_used(pool, RETENTION + timedelta(minutes=1), "/list?since=1")
    await set_used(pool, RETENTION - timedelta(minutes=1), "/list?since=2")

    scheduler = Scheduler(
        redis=redis, pool=pool, planners=[], interval_s=3600, list_answer_retention=RETENTION
    )
    await scheduler.tick()
    assert sorted(await used_ago(pool)) == ["/list?since=2", "/list?since=3"]
    await scheduler.tick()  # nothing more is old enough
    assert sorted(await used_ago(pool)) == ["/list?since=2", "/list?since=3"]


async def test_dropping_goes_on_past_one_chunk(pool: aiomysql.Pool) -> None:
    store = ValidatorStore(pool)
    for number in range(1005):  # more than one DELETE's worth
        await store.save_list_answer("github", f"/list?since={number}", ETAG, "[]")
    await set_used(pool, timedelta(days=30))
    await store.save_list_answer("github", "/list?since=new", ETAG, "[]")
    assert await store.drop_unused_list_answers(utc_now() - RETENTION) == 1005
    assert list(await used_ago(pool)) == ["/list?since=new"]


async def test_a_save_and_a_confirmation_mark_the_answer_used(pool: aiomysql.Pool) -> None:
    store = ValidatorStore(pool)
    await store.save_list_answer("github", "/list", ETAG, "[]")
    assert (await used_ago(pool))["/list"] < timedelta(minutes=1)
    await set_used(pool, timedelta(days=3), "/list")
    stored = await store.list_answer("github", "/list")
    assert stored is not None
    assert stored.used_at is not None
    assert utc_now() - stored.used_at > timedelta(days=2)
    await store.confirm_list_answer("github", "/list")
    assert (await used_ago(pool))["/list"] < timedelta(minutes=1)


async def test_an_answer_too_large_for_one_statement_is_not_kept(pool: aiomysql.Pool) -> None:
    """The server would refuse the statement and drop the connection; the save raises
    nothing, keeps no answer of the page (an earlier one would ask for a 304 of a body
    it no longer matches), and the pool's connections still work."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT @@max_allowed_packet")
        (max_packet,) = await cur.fetchone()
        await conn.commit()
    if max_packet > 256 * 1024 * 1024:
        pytest.fail(f"max_allowed_packet is {max_packet}: too large to build a page past it")
    body = orjson.dumps([{"name": "x" * 1000}] * (max_packet // 1000 + 1)).decode()
    store = ValidatorStore(pool)
    await store.save_list_answer("github", "/huge", ETAG, "[]")  # an earlier, smaller answer
    await store.save_list_answer("github", "/huge", ETAG, body)
    await store.save_list_answer("github", "/small", ETAG, "[]")
    assert sorted(await used_ago(pool)) == ["/small"]
