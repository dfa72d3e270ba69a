"""Trimming a stream without ever removing an entry that a group still needs.

``XTRIM MAXLEN`` would delete pending entries; instead we trim by ``MINID`` below
the oldest entry any group holds (pending) or has not been given yet.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError


def _as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def safe_trim_floor(redis: Redis, stream: str) -> str | None:
    """The lowest id some group still needs, or None when the stream or its groups are gone."""
    try:
        groups: Any = await redis.xinfo_groups(stream)
    except ResponseError as exc:
        if "no such key" in str(exc):  # Redis lost the stream: nothing to trim
            return None
        raise
    if not groups:
        return None
    floors: list[tuple[int, int]] = []
    for group in groups:
        name = _as_text(group["name"])
        floor = _as_text(group["last-delivered-id"])  # later entries are not delivered yet
        if int(group["pending"]) > 0:
            summary: Any = await redis.xpending(stream, name)
            if summary["min"] is not None:  # None: acknowledged since XINFO answered
                floor = _as_text(summary["min"])
        ms_part, _, seq_part = floor.partition("-")
        floors.append((int(ms_part), int(seq_part or 0)))
    lowest_ms, lowest_seq = min(floors)
    return f"{lowest_ms}-{lowest_seq}"


async def trim_acknowledged(redis: Redis, stream: str) -> int:
    """Drop entries every group has acknowledged; return how many went."""
    floor = await safe_trim_floor(redis, stream)
    if floor is None or floor == "0-0":
        return 0
    removed: Any = await redis.xtrim(stream, minid=floor, approximate=False)
    return int(removed)
