"""Events are published once, where things happen, and never fail the caller."""

from __future__ import annotations

from typing import Any

import fakeredis
import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.events import EventOut, EventType, publish_event, read_events
from shared.events.codec import decode_event, encode_event
from shared.resilience.breaker import Breaker
from shared.streams import names
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter
from shared.values.clock import utc_now


async def _types(redis: Redis) -> list[str]:
    entries: Any = await redis.xrange(names.EVENTS)
    return [fields[b"type"].decode() for _, fields in entries]


async def test_an_event_survives_the_round_trip_through_stream_fields() -> None:
    """encode_event and decode_event are inverse; the fields are flat strings."""
    event = EventOut(
        type=EventType.BREAKER_OPENED, at=utc_now(), source="pokemon", data={"failures": 3}
    )
    fields = {k.encode(): str(v).encode() for k, v in encode_event(event).items()}
    assert decode_event(fields) == event


async def test_breaker_announces_opening_and_closing_once_each(redis: Redis) -> None:
    """Only the call that moves the breaker publishes; repeated failures while open do not."""
    breaker = Breaker(redis=redis, source="pokemon", threshold=2, open_ms=1, probe_ms=60_000)
    for _ in range(4):
        await breaker.failed()
    assert await _types(redis) == ["breaker.opened"]
    await redis.hset("itemsync:breaker:pokemon", "open_until_ms", 0)
    await breaker.guard()  # the half-open probe
    await breaker.succeeded()
    await breaker.succeeded()
    assert await _types(redis) == ["breaker.opened", "breaker.closed"]


async def test_dead_letter_announces_the_letter_with_its_id(redis: Redis) -> None:
    """The event names the dead letter's id, its stream and error; a bad job id is left out."""
    await redis.xgroup_create(names.PAGES, names.WRITERS, id="0", mkstream=True)
    entry_id = await redis.xadd(names.PAGES, {"type": "page", "job_id": "not-a-uuid"})
    reader = GroupReader(
        redis=redis, stream=names.PAGES, group=names.WRITERS, consumer="w", block_ms=1
    )
    await dead_letter(
        redis, reader, entry_id, {b"type": b"page", b"job_id": b"x"}, "bad", deliveries=5
    )
    _, events = await read_events(redis, "0-0", block_ms=1)
    ((_, event),) = events
    dead: Any = await redis.xrange(names.DEAD)
    assert event.type is EventType.DEAD_LETTER
    assert event.job_id is None
    assert event.data["dead_id"] == dead[0][0].decode()
    assert event.data["error"] == "bad"


async def test_publishing_while_redis_is_down_drops_the_event_quietly() -> None:
    """A failed publish returns None instead of raising into the pipeline."""

    class Down(fakeredis.FakeAsyncRedis):  # type: ignore[misc]
        async def xadd(self, *args: Any, **kwargs: Any) -> Any:
            raise RedisConnectionError("down")

    event = EventOut(type=EventType.BREAKER_CLOSED, at=utc_now(), source="pokemon")
    assert await publish_event(Down(), event) is None


async def test_reading_skips_entries_that_are_not_events_but_moves_on(redis: Redis) -> None:
    """A malformed entry never stalls a reader: its id still advances the position."""
    await redis.xadd(names.EVENTS, {"type": "nonsense"})
    position, events = await read_events(redis, "0-0", block_ms=1)
    assert events == []
    assert position != "0-0"


async def test_the_events_stream_is_capped(redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """XADD trims with MAXLEN so the stream never grows without bound."""
    monkeypatch.setattr(names, "EVENTS_MAXLEN", 5)
    event = EventOut(type=EventType.BREAKER_CLOSED, at=utc_now(), source="pokemon")
    for _ in range(250):
        await publish_event(redis, event)
    assert await redis.xlen(names.EVENTS) <= 5 + 100  # approximate trimming keeps whole nodes
