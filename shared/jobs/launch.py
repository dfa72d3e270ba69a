"""Starting a sync: plan its commands, open its job, publish the commands."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import aiomysql
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.db.cursors import source_cursor
from shared.db.job_transitions import fail_job
from shared.db.jobs import get_job, open_job
from shared.events import EventType, publish_job_event
from shared.models.commands import (
    Command,
    CommandMessage,
    PageCommand,
    marked_conditional,
)
from shared.models.envelope import Envelope
from shared.models.jobs import JobTrigger, SyncJobRow
from shared.models.spec import SyncSpec
from shared.sources.base import SourcePlanner
from shared.streams import names
from shared.streams.codec import encode_command
from shared.values.clock import utc_now

log = structlog.get_logger()


async def launch_sync(
    pool: aiomysql.Pool,
    redis: Redis,
    planner: SourcePlanner,
    spec: SyncSpec,
    *,
    trigger: JobTrigger,
) -> tuple[SyncJobRow, bool]:
    """Open a job for ``spec`` and emit its first commands, planned by ``spec.source``'s planner.

    An identical open job is returned instead (False); nothing is written for it.
    """
    if planner.name != spec.source:
        raise ValueError(f"the {planner.name} planner cannot plan a {spec.source} sync")
    since = None
    if planner.incremental and spec.operation == "list" and not spec.force_sync:
        since = await source_cursor(pool, spec.source)  # force_sync walks the whole source
    commands = marked_conditional(planner.plan(spec, since=since), force_sync=spec.force_sync)
    # A for_each job counts its first pages now; each walk adds the rest as it ends.
    fans_out = any(
        isinstance(c, PageCommand) and c.fan_out and c.for_each is None for c in commands
    )
    walks = sum(isinstance(c, PageCommand) and c.for_each is not None for c in commands)
    trace_id = uuid.uuid4().hex
    job, created = await open_job(
        pool,
        spec,
        trigger=trigger,
        trace_id=trace_id,
        pages_total=None if fans_out else len(commands),
        walks=walks or None,
    )
    if not created:
        return job, False
    envelope = Envelope(job_id=job.id, source=spec.source, trace_id=trace_id, created_at=utc_now())
    try:
        await publish_commands(redis, envelope, commands)
    except RedisError as exc:
        await fail_job(pool, job.id, f"could not enqueue commands: {type(exc).__name__}")
        await _announce_failed(pool, redis, job)
        raise
    await publish_job_event(redis, EventType.JOB_OPENED, job)
    return job, True


async def _announce_failed(pool: aiomysql.Pool, redis: Redis, job: SyncJobRow) -> None:
    # Best effort on the way to re-raising the Redis error: never replace it with another.
    try:
        failed = await get_job(pool, job.id)
    except Exception as exc:
        log.warning("event.job_unreadable", job_id=str(job.id), error=type(exc).__name__)
        failed = None
    await publish_job_event(redis, EventType.JOB_FINISHED, failed or job)


async def publish_commands(redis: Redis, envelope: Envelope, commands: Sequence[Command]) -> None:
    """Add a job's commands to ``itemsync:commands`` in one MULTI/EXEC: all or none."""
    async with redis.pipeline(transaction=True) as pipe:
        for command in commands:
            pipe.xadd(
                names.COMMANDS,
                encode_command(CommandMessage(envelope=envelope, command=command)),
            )
        await pipe.execute()
