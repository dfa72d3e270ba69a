"""Publishing with the ack of the cause, and creating consumer groups idempotently."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.streams import names
from shared.streams.groups import ensure_group, ensure_groups
from shared.streams.publisher import publish, publish_and_ack
from tests.unit.streams.group_streams import GROUP, STREAM, add, pending_by_consumer, reader, values


async def test_publish_returns_the_entry_id_as_text(redis: Redis) -> None:
    """publish adds one entry and returns its id as a string."""
    entry_id = await publish(redis, STREAM, {"n": "a"})
    assert isinstance(entry_id, str)
    assert await redis.xrange(STREAM) == [(entry_id.encode(), {b"n": b"a"})]


async def test_publish_and_ack_adds_every_output_and_acks_the_cause(
    redis: Redis, group: str
) -> None:
    """Every output lands on its stream and the cause is acknowledged in the same step."""
    cause, other = await add(redis, "command", "other")
    one = reader(redis, "c1")
    await one.read(10)

    await publish_and_ack(
        redis,
        [
            ("itemsync:out-a", {"n": "follow-1"}),
            ("itemsync:out-a", {"n": "follow-2"}),
            ("itemsync:out-b", {"n": "page"}),
        ],
        ack_stream=STREAM,
        ack_group=GROUP,
        ack_ids=[cause],
    )

    out_a: Any = await redis.xrange("itemsync:out-a")
    out_b: Any = await redis.xrange("itemsync:out-b")
    assert values(out_a) == ["follow-1", "follow-2"]
    assert values(out_b) == ["page"]
    pending: Any = await redis.xpending_range(STREAM, GROUP, min="-", max="+", count=10)
    assert [row["message_id"] for row in pending] == [other]


async def test_publish_and_ack_without_ids_only_publishes(redis: Redis, group: str) -> None:
    """With no ids to ack, the outputs are still added and pending entries stay pending."""
    await add(redis, "a")
    await reader(redis, "c1").read(10)
    await publish_and_ack(
        redis, [("itemsync:out", {"n": "x"})], ack_stream=STREAM, ack_group=GROUP, ack_ids=[]
    )
    assert await redis.xlen("itemsync:out") == 1
    assert await pending_by_consumer(redis) == {"c1": 1}


async def test_ensure_group_is_idempotent(redis: Redis) -> None:
    """Creating an existing group again is harmless and does not rewind it."""
    await ensure_group(redis, STREAM, GROUP)
    await add(redis, "a")
    one = reader(redis, "c1")
    await one.read(10)
    await one.ack([entry_id for entry_id, _ in await one.read(10)])

    await ensure_group(redis, STREAM, GROUP)

    groups: Any = await redis.xinfo_groups(STREAM)
    assert [g["name"] for g in groups] == [GROUP.encode()]
    assert await reader(redis, "c2").read(10) == []


async def test_ensure_group_creates_the_stream_and_reads_from_its_start(redis: Redis) -> None:
    """A group made on a missing stream creates it; entries added earlier are still delivered."""
    await add(redis, "before")
    await ensure_group(redis, STREAM, GROUP)
    await ensure_group(redis, "itemsync:empty", GROUP)
    assert await redis.exists("itemsync:empty") == 1
    assert values(await reader(redis, "c1").read(10)) == ["before"]


async def test_ensure_group_raises_other_errors(redis: Redis) -> None:
    """An error other than BUSYGROUP (here: the key is not a stream) propagates."""
    await redis.set(STREAM, "not a stream")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await ensure_group(redis, STREAM, GROUP)


async def test_ensure_groups_creates_both_pipeline_groups(redis: Redis) -> None:
    """ensure_groups makes ``fetchers`` on the commands stream and ``writers`` on pages."""
    await ensure_groups(redis)
    await ensure_groups(redis)
    commands: Any = await redis.xinfo_groups(names.COMMANDS)
    pages: Any = await redis.xinfo_groups(names.PAGES)
    assert [g["name"] for g in commands] == [names.FETCHERS.encode()]
    assert [g["name"] for g in pages] == [names.WRITERS.encode()]
