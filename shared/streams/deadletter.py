"""Dead letters: an entry that cannot be handled is moved to ``itemsync:dead`` and acked."""

from __future__ import annotations

from redis.asyncio import Redis

from shared.streams import names
from shared.streams.codec import OutFields, StreamFields, text_fields
from shared.streams.consumer import GroupReader


async def dead_letter(
    redis: Redis,
    reader: GroupReader,
    entry_id: bytes | str,
    fields: StreamFields,
    error: str,
    *,
    deliveries: int,
) -> None:
    """Copy the entry with its error to the dead stream and acknowledge it, atomically."""
    original = text_fields(fields)
    source_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    record: OutFields = dict(original.items())
    record.update(
        {
            "error": error[:2000],
            "deliveries": str(deliveries),
            "stream": reader.stream,
            "group": reader.group,
            "entry_id": source_id,
        }
    )
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(names.DEAD, record)
        pipe.xack(reader.stream, reader.group, entry_id)
        await pipe.execute()
