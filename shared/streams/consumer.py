"""Reading a stream as one consumer of a group: read, acknowledge, reclaim."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis

from shared.streams.codec import StreamEntry, StreamFields


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

    async def read(self, count: int) -> list[StreamEntry]:
        """Up to ``count`` entries: own pending ones first (after a reconnect), else new."""
        return await self.read_held(count) or await self.read_new(count)

    async def read_held(self, count: int) -> list[StreamEntry]:
        """Up to ``count`` entries already delivered to this consumer, once after a reconnect."""
        if self._backlog_done:
            return []
        entries = await self._read_group("0", count, block_ms=None)
        if not entries:
            self._backlog_done = True
        return entries

    async def read_new(self, count: int) -> list[StreamEntry]:
        """Up to ``count`` entries never delivered to the group, blocking up to ``block_ms``."""
        return await self._read_group(">", count, block_ms=self.block_ms)

    async def ack(self, entry_ids: Sequence[bytes | str]) -> None:
        """Acknowledge entries whose effect is durable."""
        if entry_ids:
            await self.redis.xack(self.stream, self.group, *entry_ids)

    async def claim_stale(self, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries other consumers left idle longer than ``min_idle_ms``."""
        reply = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, min_idle_ms, start_id="0-0", count=count
        )
        claimed = cast(list[StreamEntry], reply[1])
        return [(entry_id, fields) for entry_id, fields in claimed if fields]

    async def keep_claimed(self, entry_ids: list[bytes]) -> None:
        """Reset the idle time of entries in hand, so nobody takes over live work.

        ``JUSTID`` leaves the delivery counter alone.
        """
        if entry_ids:
            ids: Any = entry_ids
            await self.redis.xclaim(self.stream, self.group, self.consumer, 0, ids, justid=True)

    async def held_entries(self, limit: int = 1000) -> list[tuple[bytes, StreamFields, int]]:
        """Entries pending for this consumer: id, fields, times delivered (counters untouched)."""
        pending: Any = await self.redis.xpending_range(
            self.stream, self.group, min="-", max="+", count=limit, consumername=self.consumer
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
        summary: Any = await self.redis.xpending_range(
            self.stream, self.group, min="-", max="+", count=1, consumername=self.consumer
        )
        if not summary:
            await self.redis.xgroup_delconsumer(self.stream, self.group, self.consumer)

    def recover_pending(self) -> None:
        """Re-read own pending entries on the next read, e.g. after a reconnect."""
        self._backlog_done = False

    async def _read_group(self, start: str, count: int, block_ms: int | None) -> list[StreamEntry]:
        reply: Any = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: start}, count=count, block=block_ms
        )
        if not reply:
            return []
        return cast(list[StreamEntry], reply[0][1])
