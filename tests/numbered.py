"""A small message for consumer loop tests: an entry's ``n`` field under one fixed envelope;
and the fetchers' reader of the commands stream those tests consume it with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from shared.errors import InvalidMessage
from shared.models.envelope import Envelope
from shared.streams import names
from shared.streams.codec import StreamFields
from shared.streams.consumer import GroupReader
from shared.streams.handler import Consumer, EachMessage, Handled, WholeBatch

ENVELOPE = Envelope(
    job_id=UUID("0b6f2c1e-0000-4000-8000-000000000001"),
    source="test",
    trace_id="trace-loop",
    created_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
)


@dataclass(frozen=True)
class Numbered:
    """The ``n`` field of one entry, with its entry's envelope."""

    n: bytes
    envelope: Envelope = ENVELOPE

    @property
    def page_key(self) -> str:
        """``n`` as text: names the message in log lines."""
        return self.n.decode()


def decode_numbered(fields: StreamFields) -> Numbered:
    """The entry's ``n``; ``InvalidMessage`` when it has none."""
    if b"n" not in fields:
        raise InvalidMessage("entry lacks field(s) n")
    return Numbered(fields[b"n"])


def each_numbered(handle: Callable[[Numbered], Awaitable[Handled]]) -> Consumer[Numbered]:
    """A consumer handling each entry in its own call."""
    return Consumer(kind="numbered", decode=decode_numbered, handler=EachMessage(handle))


def batch_numbered(handle: Callable[[list[Numbered]], Awaitable[Handled]]) -> Consumer[Numbered]:
    """A consumer handling each batch in one call."""
    return Consumer(kind="numbered", decode=decode_numbered, handler=WholeBatch(handle))


def commands_reader(redis: Redis, consumer: str) -> GroupReader:
    """``consumer`` in the fetchers' group on the commands stream, blocking 20 ms a read."""
    return GroupReader(
        redis=redis, stream=names.COMMANDS, group=names.FETCHERS, consumer=consumer, block_ms=20
    )


async def commands_pending(redis: Redis) -> int:
    """Commands delivered to the fetchers' group and not yet acknowledged."""
    summary: Any = await redis.xpending(names.COMMANDS, names.FETCHERS)
    return int(summary["pending"])
