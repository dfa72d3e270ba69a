"""Reading a stream as one consumer of a group: new entries, its own pending ones, its backlog."""

from __future__ import annotations

from redis.asyncio import Redis

from tests.unit.streams.group_streams import add, reader, values


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

    # One pass: b, still unacked, is not served again (a takeover retries it after
    # claim_idle, counting the delivery); new entries come next.
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
