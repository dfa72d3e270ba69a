"""Reading a stream as one consumer of a group, and publishing with the ack of the cause,
on fakeredis and on real Redis."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.streams import names
from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader, consumer_name
from shared.streams.groups import ensure_group, ensure_groups
from shared.streams.publisher import publish, publish_and_ack

STREAM = "itemsync:test"
GROUP = "testers"


@pytest.fixture
def redis(any_redis: Redis) -> Redis:
    """Every contract here holds on fakeredis and on a real Redis alike."""
    return any_redis


@pytest.fixture
async def group(redis: Redis) -> str:
    """The test stream with its consumer group created."""
    await ensure_group(redis, STREAM, GROUP)
    return GROUP


def reader(redis: Redis, consumer: str, stream: str = STREAM, group: str = GROUP) -> GroupReader:
    """A reader that never blocks for long when nothing is there."""
    return GroupReader(redis=redis, stream=stream, group=group, consumer=consumer, block_ms=1)


async def add(redis: Redis, *values: str, stream: str = STREAM) -> list[bytes]:
    """Add one entry per value, with a single field ``n``."""
    ids: list[Any] = [await redis.xadd(stream, {"n": value}) for value in values]
    return ids


def values(entries: list[StreamEntry]) -> list[str]:
    """The ``n`` field of each entry, in order."""
    return [fields[b"n"].decode() for _, fields in entries]


async def pending_by_consumer(redis: Redis, stream: str = STREAM) -> dict[str, int]:
    """XPENDING's count of unacknowledged entries per consumer."""
    summary: Any = await redis.xpending(stream, GROUP)
    return {c["name"].decode(): int(c["pending"]) for c in summary["consumers"]}


async def test_read_returns_new_entries_in_order(redis: Redis, group: str) -> None:
    """A fresh reader gets new entries oldest first, with their ids and fields as bytes."""
    ids = await add(redis, "a", "b", "c")
    entries = await reader(redis, "c1").read(10)
    assert [entry_id for entry_id, _ in entries] == ids
    assert values(entries) == ["a", "b", "c"]


async def test_read_respects_count(redis: Redis, group: str) -> None:
    """At most ``count`` entries come back; the rest are delivered by the next reads."""
    await add(redis, "a", "b", "c")
    one = reader(redis, "c1")
    assert values(await one.read(2)) == ["a", "b"]
    assert values(await one.read(2)) == ["c"]
    assert await one.read(2) == []


async def test_read_with_nothing_new_returns_empty(redis: Redis, group: str) -> None:
    """With nothing new, read returns an empty list after its short block."""
    assert await reader(redis, "c1").read(10) == []


async def test_entries_go_to_one_consumer_only(redis: Redis, group: str) -> None:
    """Two consumers of one group never receive the same new entry."""
    await add(redis, "a", "b", "c")
    first = values(await reader(redis, "c1").read(2))
    second = values(await reader(redis, "c2").read(10))
    assert first == ["a", "b"]
    assert second == ["c"]


async def test_recover_pending_rereads_own_unacked_entries_first(redis: Redis, group: str) -> None:
    """After recover_pending the reader gets its own unacked entries again before new ones."""
    one = reader(redis, "c1")
    first = await one.read(10)
    assert first == []
    a, b = await add(redis, "a", "b")
    delivered = await one.read(10)
    await one.ack([a])
    await add(redis, "c")

    one.recover_pending()
    again = await one.read(10)
    assert values(delivered) == ["a", "b"]
    assert again == [(b, {b"n": b"b"})]

    # Still unacked, so the backlog is served again rather than new entries.
    assert await one.read(10) == again
    await one.ack([b])
    assert values(await one.read(10)) == ["c"]


async def test_a_restarted_consumer_rereads_its_own_pending_entries(
    redis: Redis, group: str
) -> None:
    """A new reader with the same consumer name first gets what that name left unacked."""
    await add(redis, "a", "b")
    await reader(redis, "c1").read(10)  # the process dies before acking
    await add(redis, "c")

    restarted = reader(redis, "c1")
    assert values(await restarted.read(10)) == ["a", "b"]


async def test_backlog_is_only_the_consumers_own(redis: Redis, group: str) -> None:
    """Recovering pending entries never returns entries delivered to another consumer."""
    await add(redis, "a")
    await reader(redis, "c1").read(10)
    await add(redis, "b")
    other = reader(redis, "c2")
    other.recover_pending()
    assert values(await other.read(10)) == ["b"]


async def test_ack_removes_entries_from_pending(redis: Redis, group: str) -> None:
    """Acknowledged entries leave the group's pending list; the others stay."""
    one = reader(redis, "c1")
    await add(redis, "a", "b", "c")
    ids = [entry_id for entry_id, _ in await one.read(10)]
    assert await pending_by_consumer(redis) == {"c1": 3}

    await one.ack(ids[:2])
    assert await pending_by_consumer(redis) == {"c1": 1}
    await one.ack([ids[2].decode()])  # ids may be given as text too
    summary: Any = await redis.xpending(STREAM, GROUP)
    assert summary["pending"] == 0


async def test_ack_of_nothing_is_a_no_op(redis: Redis, group: str) -> None:
    """Acking an empty list sends nothing and leaves pending entries alone."""
    await add(redis, "a")
    one = reader(redis, "c1")
    await one.read(10)
    await one.ack([])
    assert await pending_by_consumer(redis) == {"c1": 1}


async def test_claim_stale_takes_over_idle_entries(redis: Redis, group: str) -> None:
    """Another consumer takes over entries idle longer than ``min_idle_ms``."""
    await add(redis, "a", "b")
    await reader(redis, "dead").read(10)

    survivor = reader(redis, "alive")
    claimed = await survivor.claim_stale(min_idle_ms=0, count=10)

    assert values(claimed) == ["a", "b"]
    assert await pending_by_consumer(redis) == {"alive": 2}
    await survivor.ack([entry_id for entry_id, _ in claimed])
    summary: Any = await redis.xpending(STREAM, GROUP)
    assert summary["pending"] == 0


async def test_claim_stale_leaves_recent_entries(redis: Redis, group: str) -> None:
    """Entries idle for less than ``min_idle_ms`` stay with their consumer."""
    await add(redis, "a")
    await reader(redis, "busy").read(10)
    assert await reader(redis, "other").claim_stale(min_idle_ms=60_000, count=10) == []
    assert await pending_by_consumer(redis) == {"busy": 1}


async def test_claim_stale_respects_count(redis: Redis, group: str) -> None:
    """At most ``count`` entries are claimed per call, oldest first."""
    await add(redis, "a", "b", "c")
    await reader(redis, "dead").read(10)
    claimed = await reader(redis, "alive").claim_stale(min_idle_ms=0, count=2)
    assert values(claimed) == ["a", "b"]
    assert await pending_by_consumer(redis) == {"alive": 2, "dead": 1}


async def test_claim_stale_skips_deleted_entries(redis: Redis, group: str) -> None:
    """Entries whose fields were deleted (trimmed while pending) are not handed out.

    fakeredis, like Redis 7, also drops them from the pending list; Redis 6.2 would
    instead leave them pending for the claimer with nil fields.
    """
    _, gone, _ = await add(redis, "a", "b", "c")
    await reader(redis, "dead").read(10)
    await redis.xdel(STREAM, gone)

    claimed = await reader(redis, "alive").claim_stale(min_idle_ms=0, count=10)

    assert values(claimed) == ["a", "c"]
    assert gone not in [entry_id for entry_id, _ in claimed]


async def test_own_backlog_shows_deleted_entries_as_empty(redis: Redis, group: str) -> None:
    """A pending entry deleted from the stream comes back from the backlog with no fields."""
    a, gone = await add(redis, "a", "b")
    one = reader(redis, "c1")
    await one.read(10)
    await redis.xdel(STREAM, gone)
    one.recover_pending()
    backlog = dict(await one.read(10))
    assert backlog[a] == {b"n": b"a"}
    assert not backlog[gone]


def test_consumer_names_are_unique_and_readable() -> None:
    """Consumer names start with the service and differ between readers of one process."""
    first, second = consumer_name("fetcher"), consumer_name("fetcher")
    assert first.startswith("fetcher-")
    assert first != second


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
