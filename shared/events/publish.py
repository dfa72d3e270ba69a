"""Announcing an event: best effort, after the durable effect, never failing the caller.

An event is a view of something already true in MySQL or Redis. Losing one (Redis
down, slow or restarted empty) costs a live screen an update, never data, so a
publish that fails or takes longer than ``PUBLISH_TIMEOUT_S`` is logged and dropped.
The stream is capped with ``MAXLEN ~``: nothing in Redis grows without bound.
"""

from __future__ import annotations

import asyncio

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.events.codec import encode_event
from shared.events.model import EventOut, EventType, job_event
from shared.models.jobs import SyncJobRow
from shared.streams import names
from shared.values.clock import utc_now

log = structlog.get_logger()

PUBLISH_TIMEOUT_S = 1.0  # a pipeline step waits at most this long for its announcement


async def publish_event(redis: Redis, event: EventOut) -> str | None:
    """Add ``event`` to ``itemsync:events``; its entry id, or None when it was dropped."""
    try:
        entry_id = await asyncio.wait_for(
            redis.xadd(
                names.EVENTS, encode_event(event), maxlen=names.EVENTS_MAXLEN, approximate=True
            ),
            timeout=PUBLISH_TIMEOUT_S,
        )
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("event.dropped", type=event.type.value, error=f"{type(exc).__name__}: {exc}")
        return None
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def publish_job_event(redis: Redis, kind: EventType, job: SyncJobRow) -> None:
    """Announce ``kind`` for ``job`` with its counters as stored."""
    await publish_event(redis, job_event(kind, job, utc_now()))
