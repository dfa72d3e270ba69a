"""The scheduler: every interval, open one scheduled job per configured source."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta

import aiomysql
import structlog
from redis.asyncio import Redis

from shared.db.job_transitions import time_out_jobs
from shared.db.jobs import open_job_for_source
from shared.db.validators import ValidatorStore
from shared.events.announce import announce_jobs
from shared.jobs.launch import launch_sync
from shared.models.jobs import JobTrigger
from shared.models.spec import SyncSpec
from shared.resilience.backoff import wait_unless_stopped
from shared.sources.base import SourcePlanner
from shared.streams import names
from shared.values.clock import utc_now

log = structlog.get_logger()


@dataclass(frozen=True)
class Scheduler:
    """Opens a full ``list`` sync of each source once per ``interval_s``."""

    redis: Redis
    pool: aiomysql.Pool
    planners: list[SourcePlanner]  # one per enabled source
    interval_s: float
    job_timeout_s: float = 600.0
    list_answer_retention: timedelta = timedelta(days=7)

    async def run_until(self, stop: asyncio.Event) -> None:
        """Tick at each interval boundary until stopped."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception as exc:
                log.error("scheduler.tick_failed", error=f"{type(exc).__name__}: {exc}")
            wait_s = self.interval_s - (time.time() % self.interval_s)
            await wait_unless_stopped(stop, wait_s)

    async def tick(self) -> None:
        """Close overdue jobs, open this interval's job for every source without one, then
        drop the stored list answers no sync has used for the retention."""
        overdue = await time_out_jobs(self.pool, utc_now() - timedelta(seconds=self.job_timeout_s))
        for job_id in overdue:
            log.warning("job.timed_out", job_id=str(job_id))
        await announce_jobs(self.redis, self.pool, (), finished=set(overdue))
        slot = int(time.time() // self.interval_s)
        for planner in self.planners:
            source = planner.name
            # One scheduler per source per interval wins this key, however many run.
            claimed = await self.redis.set(
                names.schedule_key(source, slot), "1", nx=True, ex=int(self.interval_s) + 60
            )
            if not claimed:
                continue
            running = await open_job_for_source(self.pool, source)
            if running is not None:
                log.info("job.skipped", source=source, open_job_id=str(running.id))
                continue
            spec = SyncSpec.full_list(source)
            job, created = await launch_sync(
                self.pool, self.redis, planner, spec, trigger=JobTrigger.SCHEDULED
            )
            log.info(
                "job.scheduled" if created else "job.still_open",
                job_id=str(job.id),
                source=source,
                trace_id=job.trace_id,
            )
        unused_since = utc_now() - self.list_answer_retention
        dropped = await ValidatorStore(self.pool).drop_unused_list_answers(unused_since)
        if dropped:
            log.info("list_answers.dropped", count=dropped)
