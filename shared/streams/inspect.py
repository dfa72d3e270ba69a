"""What the streams hold: length, and per group its lag, pending entries and consumers."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.models.dashboard import ConsumerOut, GroupOut, StreamOut
from shared.streams import names

WATCHED = (names.COMMANDS, names.PAGES, names.DEAD, names.EVENTS)


async def describe_streams(redis: Redis, streams: tuple[str, ...] = WATCHED) -> list[StreamOut]:
    """Every watched stream with ``XINFO GROUPS`` and ``XINFO CONSUMERS`` of each group."""
    return [await _describe(redis, stream) for stream in streams]


async def _describe(redis: Redis, stream: str) -> StreamOut:
    length = int(await redis.xlen(stream))
    try:
        raw_groups: list[dict[Any, Any]] = await redis.xinfo_groups(stream)
    except ResponseError:  # the stream does not exist yet
        raw_groups = []
    groups = []
    for group in raw_groups:
        name = _text(group.get("name"))
        consumers: list[dict[Any, Any]] = await redis.xinfo_consumers(stream, name)
        lag = group.get("lag")
        groups.append(
            GroupOut(
                name=name,
                lag=None if lag is None else int(lag),
                pending=int(group.get("pending", 0)),
                last_delivered_id=_text(group.get("last-delivered-id")),
                consumers=[
                    ConsumerOut(
                        name=_text(c.get("name")),
                        pending=int(c.get("pending", 0)),
                        idle_ms=int(c.get("idle", 0)),
                    )
                    for c in consumers
                ],
            )
        )
    return StreamOut(name=stream, length=length, groups=groups)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)
