"""Adding entries: a page's entries go out in one MULTI/EXEC with the ack of their cause."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from shared.streams import names

Fields = Mapping[FieldT, EncodableT]  # what the codec produces


async def publish(redis: Redis, stream: str, fields: Fields) -> str:
    """Add one entry; return its id."""
    entry_id = await redis.xadd(stream, dict(fields))
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def publish_and_ack(
    redis: Redis,
    outputs: Sequence[tuple[str, Fields]],
    *,
    ack_stream: str,
    ack_group: str,
    ack_ids: Sequence[bytes | str],
) -> None:
    """Add every output and acknowledge its cause atomically: all happen or none do.

    A crash before EXEC leaves the cause pending, so it is redelivered and redone;
    the writer's page ledger makes a repeated page harmless.
    """
    async with redis.pipeline(transaction=True) as pipe:
        for stream, fields in outputs:
            pipe.xadd(stream, dict(fields))
        if ack_ids:
            pipe.xack(ack_stream, ack_group, *ack_ids)
        await pipe.execute()


async def ensure_groups(redis: Redis) -> None:
    """Create both consumer groups (and their streams) if missing; safe to call often."""
    for stream, group in ((names.COMMANDS, names.FETCHERS), (names.PAGES, names.WRITERS)):
        await ensure_group(redis, stream, group)


async def ensure_group(redis: Redis, stream: str, group: str) -> None:
    """Create ``group`` on ``stream`` from its start, creating the stream if needed."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except Exception as exc:  # redis raises ResponseError("BUSYGROUP ...") when it exists
        if "BUSYGROUP" not in str(exc):
            raise
