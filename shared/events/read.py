"""Reading events after a known entry id, blocking briefly for new ones."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.errors import InvalidMessage
from shared.events.codec import decode_event
from shared.events.model import EventOut
from shared.streams import names

START = "0-0"  # before every entry


async def last_event_id(redis: Redis) -> str:
    """The id of the newest event, or ``0-0`` when there is none: where "from now" starts."""
    newest: Any = await redis.xrevrange(names.EVENTS, count=1)
    if not newest:
        return START
    entry_id = newest[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def read_events(
    redis: Redis, after_id: str, *, block_ms: int, count: int = 100
) -> tuple[str, list[tuple[str, EventOut]]]:
    """The id read up to and the events after ``after_id``, oldest first.

    Waits up to ``block_ms`` when there is none. Keep ``block_ms`` below the client's
    socket timeout, or redis-py raises ``TimeoutError`` instead of answering empty. An
    entry that is not an event (or was trimmed while being read) is skipped but still
    moves the position on, so one bad entry never stalls a reader.
    """
    reply: Any = await redis.xread({names.EVENTS: after_id}, count=count, block=block_ms)
    position = after_id
    events: list[tuple[str, EventOut]] = []
    for _stream, entries in reply or ():
        for raw_id, fields in entries:
            position = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
            try:
                events.append((position, decode_event(fields)))
            except InvalidMessage:
                continue
    return position, events
