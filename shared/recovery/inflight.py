"""Which jobs still have work in Redis: entries queued, pending, or dead-lettered.

An entry is in flight while its group has not delivered it yet (its id is past
the group's last-delivered id) or a consumer holds it unacknowledged (it is in
the group's pending list). Acknowledged entries that trimming has not removed
yet do not count. A stream whose group is gone (Redis lost its data, nobody
read since) counts every entry: the recreated group reads from the start.

Dead letters are told apart: re-emitting a poison would only fill ``itemsync:dead``
again, so a job whose only work left is dead letters is ended, not re-driven (see
``redrive.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.models.dashboard import DeadLetterOut
from shared.streams import names
from shared.streams.deadletter import dead_entry
from shared.streams.groups import PIPELINE_GROUPS

_SCAN_COUNT = 200  # entries per XRANGE call
_JOB_ID = b"job_id"

StreamId = tuple[int, int]


@dataclass(frozen=True)
class InFlight:
    """What Redis still holds of each job's work."""

    working: set[uuid.UUID]  # an entry queued or pending in a pipeline stream
    dead: dict[uuid.UUID, list[DeadLetterOut]]  # parked in itemsync:dead, oldest first


async def jobs_in_flight(redis: Redis) -> InFlight:
    """The jobs with an entry queued or pending in either pipeline stream, and their dead."""
    jobs: set[uuid.UUID] = set()
    for stream, group in PIPELINE_GROUPS:
        jobs |= await _stream_jobs_in_flight(redis, stream, group)
    return InFlight(working=jobs, dead=await _dead_letters_by_job(redis))


async def _dead_letters_by_job(redis: Redis) -> dict[uuid.UUID, list[DeadLetterOut]]:
    dead: dict[uuid.UUID, list[DeadLetterOut]] = {}
    async for entry_id, fields in _entries(redis, names.DEAD, start=(0, 0)):
        job_id = _job_id(fields)
        if job_id is not None:
            dead.setdefault(job_id, []).append(dead_entry(entry_id, fields))
    return dead


async def _stream_jobs_in_flight(redis: Redis, stream: str, group: str) -> set[uuid.UUID]:
    try:
        groups: Any = await redis.xinfo_groups(stream)
    except ResponseError as exc:
        if "no such key" in str(exc):
            return set()
        raise
    info = next((g for g in groups if _text(g["name"]) == group), None)
    delivered_up_to = _parse(_text(info["last-delivered-id"])) if info else (0, 0)
    pending: set[StreamId] = set()
    if info is not None and int(info["pending"]) > 0:
        rows: Any = await redis.xpending_range(
            stream, group, min="-", max="+", count=int(info["pending"])
        )
        pending = {_parse(_text(row["message_id"])) for row in rows}
    return await _jobs_among(
        redis,
        stream,
        start=min([delivered_up_to, *pending]),
        counts=lambda position: position > delivered_up_to or position in pending,
    )


async def _jobs_among(
    redis: Redis, stream: str, *, start: StreamId, counts: Callable[[StreamId], bool]
) -> set[uuid.UUID]:
    """The jobs of the entries from ``start`` on whose position ``counts``."""
    jobs: set[uuid.UUID] = set()
    async for entry_id, fields in _entries(redis, stream, start=start):
        job_id = _job_id(fields) if counts(_parse(_text(entry_id))) else None
        if job_id is not None:
            jobs.add(job_id)
    return jobs


async def _entries(
    redis: Redis, stream: str, *, start: StreamId
) -> AsyncIterator[tuple[bytes, dict[bytes, bytes]]]:
    """Every entry of ``stream`` from ``start`` on, read ``_SCAN_COUNT`` at a time."""
    cursor = f"{start[0]}-{start[1]}"
    while True:
        entries: Any = await redis.xrange(stream, min=cursor, max="+", count=_SCAN_COUNT)
        for entry in entries:
            yield entry
        if len(entries) < _SCAN_COUNT:
            return
        cursor = "(" + _text(entries[-1][0])  # exclusive: continue after the last one


def _job_id(fields: dict[bytes, bytes]) -> uuid.UUID | None:
    try:
        return uuid.UUID(fields[_JOB_ID].decode())
    except (KeyError, ValueError, UnicodeDecodeError):
        return None  # not one of our entries: it belongs to no job


def _parse(entry_id: str) -> StreamId:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
