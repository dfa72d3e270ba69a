"""Adding entries: a page's entries go out in one MULTI/EXEC with the ack of their cause."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from shared.resilience.backoff import failure_pause_s
from shared.streams import names
from shared.streams.attempts import error_key, requeued_fields
from shared.streams.codec import StreamFields

log = structlog.get_logger()

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


async def requeue(
    redis: Redis,
    *,
    stream: str,
    group: str,
    entry_id: bytes,
    fields: StreamFields,
    failed_now: int = 0,
) -> None:
    """Put a fresh copy of the entry at the stream's end and acknowledge the old one, atomically.

    Used when an entry must wait (breaker open) or was interrupted (shutdown): the
    wait does not count as a failed delivery; ``failed_now`` failures are carried over.
    """
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(stream, requeued_fields(fields, failed_now))
        pipe.xack(stream, group, entry_id)
        pipe.delete(error_key(stream, entry_id))
        await pipe.execute()


async def wait_for_groups(redis: Redis, stop: asyncio.Event) -> bool:
    """Create the groups, waiting with backoff while Redis is unreachable; False if stopped."""
    failures = 0
    while not stop.is_set():
        try:
            await ensure_groups(redis)
            return True
        except (RedisError, OSError) as exc:
            failures += 1
            pause = failure_pause_s(failures)
            log.warning(
                "redis.unavailable",
                error=f"{type(exc).__name__}: {exc}",
                failures=failures,
                pause_s=round(pause, 2),
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
    return False
