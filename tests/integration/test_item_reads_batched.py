"""Concurrent item reads batched into one MGET and one SELECT, against real Redis and MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiomysql
import orjson
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from services.api.app import ITEM_BATCH_MAX
from services.api.cache import cached_items
from services.api.handlers.items import item_answer
from services.api.keys import CACHED_ITEMS, ITEM_ROWS, LOCAL_CACHE
from shared.cache.item_changes import announce_changed
from shared.db.items import ITEM_COLUMNS, get_items_values
from shared.streams import names
from tests.integration.api_helpers import store_items, stored_item_id


async def test_one_select_reads_the_rows_that_exist(pool: aiomysql.Pool) -> None:
    """Missing ids are left out; a deleted item is read when asked for."""
    await store_items(pool, 1, 2, 3)
    ids = [await stored_item_id(pool, str(n)) for n in (1, 2, 3)]
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("UPDATE items SET deleted_at = synced_at WHERE id = %s", (ids[2],))
        await conn.commit()
    missing = max(ids) + 1000
    read = await get_items_values(pool, [*ids, missing], include_deleted=True)
    assert sorted(read) == sorted(ids)
    for item_id, values in read.items():
        row = dict(zip(ITEM_COLUMNS, values, strict=False))
        assert row["id"] == item_id
        assert orjson.loads(values[len(ITEM_COLUMNS)])["id"] == int(row["external_id"])
    assert (await get_items_values(pool, [*ids, missing])).keys() == set(ids[:2])
    assert await get_items_values(pool, []) == {}


async def test_one_mget_tells_a_cached_answer_from_a_marker_and_an_empty_slot(
    redis: Redis,
) -> None:
    """A key of another type reads as empty: MGET answers nil there, where GET fails."""
    await redis.set(names.item_cache_key(1), b'{"id": 1}')
    await redis.set(names.item_cache_key(2), b"")  # a writer's marker
    await redis.rpush(names.item_cache_key(4), b"not ours")
    assert await cached_items(redis, [1, 2, 3, 4]) == {1: b'{"id": 1}', 2: b""}


class Counted:
    """Counts the calls a coalescer makes to its real fetch, and their keys."""

    def __init__(self, fetch: Callable[[list[int]], Awaitable[Mapping[int, Any]]]) -> None:
        self.fetch = fetch
        self.calls: list[list[int]] = []

    async def __call__(self, keys: list[int]) -> Mapping[int, Any]:
        self.calls.append(keys)
        return await self.fetch(keys)


async def test_reads_that_wait_together_share_their_round_trips(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """More readers than one call holds, some of one id, one of an id that does not exist,
    one of an item a writer has just marked: each gets its own answer, in few calls."""
    externals = list(range(1, ITEM_BATCH_MAX + 9))
    await store_items(pool, *externals)
    ids = {n: await stored_item_id(pool, str(n)) for n in externals}
    missing = max(ids.values()) + 1000
    await announce_changed(redis, [ids[1]])  # the writer's marker: read MySQL, keep nothing
    app = api_client.app
    slots, rows = Counted(app[CACHED_ITEMS].fetch), Counted(app[ITEM_ROWS].fetch)
    app[CACHED_ITEMS].fetch, app[ITEM_ROWS].fetch = slots, rows

    wanted = [*ids.values(), ids[2], ids[3], missing]
    answers = await asyncio.gather(*(item_answer(app, item_id) for item_id in wanted))
    for item_id, answer in zip(wanted, answers, strict=True):
        if item_id == missing:
            assert answer is None
            continue
        assert answer is not None
        body = orjson.loads(answer)
        assert (body["id"], body["payload"]["id"]) == (item_id, int(body["external_id"]))
    for counted in (slots, rows):  # every id asked for, in as few calls as allowed
        assert {key for call in counted.calls for key in call} == set(wanted)
        assert all(len(call) == len(set(call)) <= ITEM_BATCH_MAX for call in counted.calls)
        assert len(counted.calls) == -(-len(wanted) // ITEM_BATCH_MAX)
    local = app[LOCAL_CACHE]
    assert local.get(ids[1]) is None  # marked: served, but neither copy keeps it
    assert all(local.get(item_id) is not None for n, item_id in ids.items() if n != 1)
    assert await redis.get(names.item_cache_key(ids[1])) == b""


async def test_concurrent_reads_each_get_their_own_item(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """Through HTTP: many readers at once, one of an id that does not exist."""
    externals = list(range(1, ITEM_BATCH_MAX + 9))
    await store_items(pool, *externals)
    ids = {n: await stored_item_id(pool, str(n)) for n in externals}
    missing = max(ids.values()) + 1000

    async def read(item_id: int) -> tuple[int, Any]:
        response = await api_client.get(f"/items/{item_id}")
        return response.status, await response.json()

    wanted = [*ids.values(), ids[2], ids[3], missing]
    answers = await asyncio.gather(*(read(item_id) for item_id in wanted))
    for item_id, (status, body) in zip(wanted, answers, strict=True):
        if item_id == missing:
            assert status == 404, body
            continue
        assert status == 200, body
        assert body["id"] == item_id
        assert body["payload"]["id"] == int(body["external_id"])
