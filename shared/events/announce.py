"""Announcing jobs as MySQL holds them, after the change was committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable

import aiomysql
import structlog
from redis.asyncio import Redis

from shared.db.jobs import get_job
from shared.events.model import EventType
from shared.events.publish import publish_job_event

log = structlog.get_logger()

READ_TIMEOUT_S = 2.0  # a slow read costs a screen an update, never the writer its pace


async def announce_jobs(
    redis: Redis, pool: aiomysql.Pool, job_ids: Iterable[uuid.UUID], *, finished: set[uuid.UUID]
) -> None:
    """Publish each job's progress, and ``job.finished`` for those in ``finished``.

    The counters are read back from MySQL, so an event always shows a committed
    state, whichever writer applied the page. A failed read drops the events: the
    next batch, or ``GET /jobs/{id}``, shows the same counters.
    """
    for job_id in sorted(set(job_ids) | finished, key=str):
        try:
            job = await asyncio.wait_for(get_job(pool, job_id), timeout=READ_TIMEOUT_S)
        except Exception as exc:  # best effort: the write it describes is already durable
            log.warning("event.job_unreadable", job_id=str(job_id), error=f"{type(exc).__name__}")
            continue
        if job is None:
            continue
        await publish_job_event(redis, EventType.JOB_PROGRESS, job)
        if job_id in finished and not job.status.is_open:
            await publish_job_event(redis, EventType.JOB_FINISHED, job)
