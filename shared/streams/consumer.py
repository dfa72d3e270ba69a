"""Reading a stream as one consumer of a group: read, acknowledge, reclaim.

Redis may lose its data (a restart without persistence, a failover, a flush):
the group is then gone and every group command answers ``NOGROUP``. The reader
recreates its group at once (from the stream's start, so entries added since
are read) and says so in one ``stream.group_recreated`` line; the work that was
in flight is re-driven from MySQL (``shared/recovery``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.streams.codec import StreamEntry, StreamFields
from shared.streams.groups import ensure_group, is_missing_group

log = structlog.get_logger()

_T = TypeVar("_T")


def consumer_name(service: str) -> str:
    """A name unique to this process, readable in ``XINFO CONSUMERS``."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass
class GroupReader:
    """One consumer of one group; first re-reads its own pending entries, then new ones."""

    redis: Redis
    stream: str
    group: str
    consumer: str
    block_ms: int
    _backlog_done: bool = field(default=False, init=False)
    _held_after: bytes = field(default=b"0", init=False)  # where the backlog pass goes on

    async def read(self, count: int) -> list[StreamEntry]:
        """Up to ``count`` entries: own pending ones first (after a reconnect), else new."""
        return await self.read_held(count) or await self.read_new(count)

    async def read_held(self, count: int) -> list[StreamEntry]:
        """Up to ``count`` entries already delivered to this consumer, once after a reconnect.

        One pass over them in id order: an entry left pending again (its handling failed)
        is not read again by this pass; it is taken over after ``claim_idle`` like any other.
        """
        if self._backlog_done:
            return []
        entries = await self._read_group(self._held_after.decode(), count, block_ms=None)
        if not entries:
            self._backlog_done = True
            self._held_after = b"0"
            return []
        self._held_after = entries[-1][0]
        return entries

    async def read_new(self, count: int, block_ms: int | None = None) -> list[StreamEntry]:
        """Up to ``count`` entries never delivered to the group, blocking up to ``block_ms``
        (the reader's own when None)."""
        block = self.block_ms if block_ms is None else block_ms
        return await self._read_group(">", count, block_ms=block)

    async def read_waiting(self, count: int) -> list[StreamEntry]:
        """Up to ``count`` entries never delivered to the group that are already there: no
        wait."""
        return await self._read_group(">", count, block_ms=None)

    async def ack(self, entry_ids: Sequence[bytes | str]) -> None:
        """Acknowledge entries whose effect is durable."""
        if entry_ids:
            await self.redis.xack(self.stream, self.group, *entry_ids)

    async def claim_stale(self, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries other consumers left idle longer than ``min_idle_ms``."""
        reply = await self._in_group(
            lambda: self.redis.xautoclaim(
                self.stream, self.group, self.consumer, min_idle_ms, start_id="0-0", count=count
            )
        )
        claimed = cast(list[StreamEntry], reply[1])
        return [(entry_id, fields) for entry_id, fields in claimed if fields]

    async def keep_claimed(self, entry_ids: list[bytes]) -> None:
        """Reset the idle time of entries in hand, so nobody takes over live work.

        ``JUSTID`` leaves the delivery counter alone.
        """
        if entry_ids:
            ids: Any = entry_ids
            await self._in_group(
                lambda: self.redis.xclaim(
                    self.stream, self.group, self.consumer, 0, ids, justid=True
                )
            )

    async def held_entries(self, limit: int = 1000) -> list[tuple[bytes, StreamFields, int]]:
        """Entries pending for this consumer: id, fields, times delivered (counters untouched)."""
        pending: Any = await self._in_group(
            lambda: self.redis.xpending_range(
                self.stream, self.group, min="-", max="+", count=limit, consumername=self.consumer
            )
        )
        if not pending:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in pending:
                pipe.xrange(self.stream, min=row["message_id"], max=row["message_id"], count=1)
            found: list[Any] = await pipe.execute()
        held: list[tuple[bytes, StreamFields, int]] = []
        for row, entries in zip(pending, found, strict=True):
            fields: StreamFields = entries[0][1] if entries else {}
            held.append((row["message_id"], fields, int(row["times_delivered"])))
        return held

    async def leave_group(self) -> None:
        """Remove this consumer from the group when it holds nothing."""
        summary: Any = await self._in_group(
            lambda: self.redis.xpending_range(
                self.stream, self.group, min="-", max="+", count=1, consumername=self.consumer
            )
        )
        if not summary:
            await self.redis.xgroup_delconsumer(self.stream, self.group, self.consumer)

    def recover_pending(self) -> None:
        """Re-read own pending entries on the next read, e.g. after a reconnect."""
        self._backlog_done = False
        self._held_after = b"0"

    async def _read_group(self, start: str, count: int, block_ms: int | None) -> list[StreamEntry]:
        reply: Any = await self._in_group(
            lambda: self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: start}, count=count, block=block_ms
            )
        )
        if not reply:
            return []
        return cast(list[StreamEntry], reply[0][1])

    async def _in_group(self, command: Callable[[], Awaitable[_T]]) -> _T:
        """Run a group command; if Redis lost the group, recreate it and run it once more."""
        try:
            return await command()
        except ResponseError as exc:
            if not is_missing_group(exc):
                raise
        created = await ensure_group(self.redis, self.stream, self.group)
        self._backlog_done = True  # a new group holds nothing pending for us
        log.warning(
            "stream.group_recreated",
            stream=self.stream,
            group=self.group,
            consumer=self.consumer,
            created=created,  # False: another consumer recreated it first
        )
        return await command()
