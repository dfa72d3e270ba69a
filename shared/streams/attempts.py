"""Counting failed handlings of an entry across redeliveries and requeues.

Redis counts deliveries, but a requeued entry (breaker open, shutdown) is a new
entry with a fresh count, so the flat field ``attempts`` carries the failures
it had before. The last error of a pending entry is kept beside it for the
dead letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from shared.observability.redaction import redact
from shared.streams.codec import OutFields, StreamFields
from shared.streams.names import entry_error_key

ATTEMPTS_FIELD = b"attempts"
ERROR_TTL_S = 24 * 3600


def failed_handlings(fields: StreamFields, times_delivered: int) -> int:
    """How often the entry failed: the count it carries from before a requeue, plus every
    delivery but the one in hand (which is being handled, delayed or handed back now).

    The one place a failure is counted: dead-lettering, delaying and requeueing on stop
    all ask here.
    """
    raw = fields.get(ATTEMPTS_FIELD, b"0")
    carried = int(raw) if raw.isdigit() else 0
    return carried + max(times_delivered - 1, 0)


def requeued_fields(fields: StreamFields, failures: int) -> OutFields:
    """The entry's fields for a fresh copy, carrying ``failures`` (from ``failed_handlings``)."""
    copy: OutFields = {key: value for key, value in fields.items() if key != ATTEMPTS_FIELD}
    copy[ATTEMPTS_FIELD] = str(failures)
    return copy


async def remember_error(redis: Redis, stream: str, entry_ids: Sequence[bytes], error: str) -> None:
    """Keep the error that left these entries pending, for their dead letter; masked."""
    masked = redact(error)[:2000]  # mask first: a cut could leave part of a secret unmatched
    async with redis.pipeline(transaction=False) as pipe:
        for entry_id in entry_ids:
            pipe.set(entry_error_key(stream, entry_id), masked, ex=ERROR_TTL_S)
        await pipe.execute()


async def last_error(redis: Redis, stream: str, entry_id: bytes) -> str | None:
    """The error remembered for an entry, if any."""
    value: Any = await redis.get(entry_error_key(stream, entry_id))
    return None if value is None else value.decode(errors="replace")


async def delivery_counts(
    redis: Redis, stream: str, group: str, entry_ids: Sequence[bytes]
) -> dict[bytes, int]:
    """How many times Redis delivered each pending entry."""
    async with redis.pipeline(transaction=False) as pipe:
        for entry_id in entry_ids:
            pipe.xpending_range(stream, group, min=entry_id, max=entry_id, count=1)
        replies: list[Any] = await pipe.execute()
    counts: dict[bytes, int] = {}
    for entry_id, reply in zip(entry_ids, replies, strict=True):
        counts[entry_id] = int(reply[0]["times_delivered"]) if reply else 0
    return counts
