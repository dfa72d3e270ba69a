"""Telling every reader that items changed: cache markers in Redis, ids on pub/sub.

A writer calls ``announce_changed`` after COMMIT. The marker keeps the old answer
out of the Redis cache for a few seconds (readers only fill empty slots); the
message makes every API process drop its in-memory copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from redis.asyncio import Redis

from shared.streams import names

STALE_MARK_MS = 5000  # how long a changed item's cache slot refuses to be refilled
_IDS_PER_MESSAGE = 1000
_ITEM_ID = re.compile(r"[0-9]{1,18}")  # str.isdigit() also takes "²", which int() refuses


async def announce_changed(
    redis: Redis, item_ids: Sequence[int], *, rows_written: bool = False
) -> None:
    """Mark the items' cache slots stale and publish their ids, in one round trip.

    With ``rows_written`` and no ids (only new rows), an empty message still tells
    readers that their cached item lists are stale.
    """
    if not item_ids:
        if rows_written:
            await redis.publish(names.ITEM_CHANGES, "")
        return
    async with redis.pipeline(transaction=False) as pipe:
        for item_id in item_ids:
            pipe.set(names.item_cache_key(item_id), b"", px=STALE_MARK_MS)
        for start in range(0, len(item_ids), _IDS_PER_MESSAGE):  # after the markers
            chunk = item_ids[start : start + _IDS_PER_MESSAGE]
            pipe.publish(names.ITEM_CHANGES, ",".join(map(str, chunk)))
        await pipe.execute()


def parse_item_ids(data: bytes | str) -> list[int]:
    """Item ids from one ``itemsync:item-changes`` message: ``"12,57,90"``.

    Never raises: anyone can publish here, and a garbled message must not stop
    the subscriber. Parts that are not ASCII digits within a BIGINT are ignored.
    """
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    parts = (part.strip() for part in text.split(","))
    return [int(part) for part in parts if _ITEM_ID.fullmatch(part)]
