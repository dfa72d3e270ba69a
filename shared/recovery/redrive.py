"""Re-driving open jobs that nothing is working on any more.

MySQL is the truth and Redis a buffer: when Redis loses its data, the commands
and pages in flight go with it and their job would stay open forever. A job is
*stalled* when it is open, no page of it was written for ``quiet``, and none of
its entries is queued or pending in either stream. Its commands are emitted
again, minus the pages the page ledger already holds; a list job whose first
page (the one that learns ``count`` and fans out) is not in the ledger restarts
from that page. A page that lands twice is applied once, so counters stay exact.

A stalled job with an entry in the dead-letter stream is not re-driven (that would
only poison again) and must not stay open for good either: it ends ``failed``, its
error naming the dead letter and why it died. The entry stays there for
``item-sync dlq``; a page replayed later still lands, on a job that keeps its outcome.

Once across the fleet: a sweep runs under a MySQL named lock (Redis may just
have been emptied, so it cannot hold the lock), and reads the streams before
MySQL. Whatever an earlier sweep emitted is then either still in a stream or
already written to the ledger, so it is never emitted twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import aiomysql
import structlog
from pydantic import ValidationError
from redis.asyncio import Redis

from shared.db.job_transitions import fail_job
from shared.db.jobs import quiet_open_jobs
from shared.db.ledger import written_page_keys
from shared.db.locks import fleet_lock
from shared.events.announce import announce_jobs
from shared.jobs.launch import publish_commands
from shared.models.commands import Command, marked_conditional
from shared.models.dashboard import DeadLetterOut
from shared.models.envelope import Envelope
from shared.models.jobs import SyncJobRow
from shared.recovery.inflight import jobs_in_flight
from shared.resilience.backoff import wait_unless_stopped
from shared.sources.base import SourcePlanner
from shared.streams import names
from shared.streams.groups import ensure_groups
from shared.values.clock import utc_now

log = structlog.get_logger()

LOCK_NAME = "itemsync:redrive"
# A job's commands are added milliseconds after the job is opened: a job younger
# than this may simply not have them yet.
ON_DEMAND_QUIET = timedelta(seconds=2)


def commands_still_needed(
    planner: SourcePlanner, job: SyncJobRow, written: set[str]
) -> list[Command]:
    """The commands that re-drive ``job``: its plan minus the pages in the ledger.

    A first list page that was written fixed ``pages_total``, so the pages it fanned
    out to are known and only the unwritten ones are needed; one that was not
    written is needed itself, and fans out again when it runs. A walk whose pages
    cannot be rebuilt (page by page: the next page is known only to the one before;
    or one of several for_each walks) starts again at its first page.
    """
    needed: list[Command] = []
    for command in planner.plan(job.spec()):
        if command.page_key not in written:
            needed.append(command)
            continue
        for follow in planner.fanned_out(command, job.pages_total):
            # The first page itself: a walk re-walked; its written pages land as duplicates.
            if follow.page_key == command.page_key or follow.page_key not in written:
                needed.append(follow)
    return marked_conditional(needed, force_sync=job.force_sync)


def dead_letter_reason(dead: list[DeadLetterOut]) -> str:
    """A job's error when its work ended in ``dead`` (oldest first): the first one, and why."""
    first, others = dead[0], len(dead) - 1
    more = f" (and {others} more dead letter(s) of this job)" if others else ""
    return (
        f"dead-lettered: {first.stream} entry {first.entry_id} ({first.fields.get('type', '?')})"
        f" is {first.dead_id} in {names.DEAD} after {first.deliveries} deliveries{more}:"
        f" {first.error}"
    )


def sweep_every_s(quiet: timedelta) -> float:
    """How often a writer looks for stalled jobs: a quarter of the bound, 0.5 s to 15 s."""
    return min(max(quiet.total_seconds() / 4, 0.5), 15.0)


@dataclass(frozen=True)
class Redriver:
    """Finds stalled jobs and emits the commands they still need."""

    redis: Redis
    pool: aiomysql.Pool
    planners: Mapping[str, SourcePlanner]
    quiet: timedelta
    lock_wait_s: float = 0.0  # 0: when another process is sweeping, leave it to that one

    async def sweep(
        self, *, job_id: uuid.UUID | None = None, quiet: timedelta | None = None
    ) -> list[uuid.UUID]:
        """Re-drive every stalled job (or just ``job_id``); the ids of those re-driven."""
        quiet = quiet or self.quiet
        # Cheap and lock-free first: almost always no job is quiet that long.
        if not await quiet_open_jobs(self.pool, quiet_since=utc_now() - quiet, job_id=job_id):
            return []
        async with fleet_lock(self.pool, LOCK_NAME, wait_s=self.lock_wait_s) as held:
            if not held:
                return []
            in_flight = await jobs_in_flight(self.redis)  # the streams first, then MySQL
            stalled = await quiet_open_jobs(self.pool, quiet_since=utc_now() - quiet, job_id=job_id)
            redriven: list[uuid.UUID] = []
            for job in stalled:
                if job.id in in_flight.working:
                    continue
                if job.id in in_flight.dead:
                    await self._end_dead_lettered(job, in_flight.dead[job.id])
                elif await self._redrive(job, quiet):
                    redriven.append(job.id)
            return redriven

    async def run_until(self, stop: asyncio.Event) -> None:
        """Sweep regularly until stopped; a sweep that fails is logged and tried again."""
        every_s = sweep_every_s(self.quiet)
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception as exc:  # Redis or MySQL away: the next sweep tries again
                log.warning("redrive.sweep_failed", error=f"{type(exc).__name__}: {exc}")
            await wait_unless_stopped(stop, every_s)

    async def _end_dead_lettered(self, job: SyncJobRow, dead: list[DeadLetterOut]) -> None:
        if not await fail_job(self.pool, job.id, dead_letter_reason(dead)):
            return  # it ended meanwhile
        log.warning(
            "job.dead_lettered",
            job_id=str(job.id),
            trace_id=job.trace_id,
            source=job.source,
            dead_letters=[letter.dead_id for letter in dead],
        )
        await announce_jobs(self.redis, self.pool, (), finished={job.id})

    async def _redrive(self, job: SyncJobRow, quiet: timedelta) -> bool:
        planner = self.planners.get(job.source)
        context = {"job_id": str(job.id), "trace_id": job.trace_id, "source": job.source}
        if planner is None:
            log.warning("job.redrive_skipped", reason="source not enabled here", **context)
            return False
        written = await written_page_keys(self.pool, job.id)
        try:
            commands = commands_still_needed(planner, job, written)
        except ValidationError as exc:  # stored by a version that wrote other params
            reason = f"the job's params no longer parse: {exc.errors()[0]['msg']}"
            log.warning("job.redrive_skipped", reason=reason, **context)
            return False
        if not commands:
            log.warning("job.redrive_skipped", reason="every planned page is written", **context)
            return False
        await ensure_groups(self.redis)  # Redis may have come back without them
        envelope = Envelope(
            job_id=job.id, source=job.source, trace_id=job.trace_id, created_at=utc_now()
        )
        await publish_commands(self.redis, envelope, commands)
        log.warning(
            "job.redriven",
            commands=len(commands),
            pages_done=job.pages_done,
            pages_total=job.pages_total,
            quiet_s=quiet.total_seconds(),
            **context,
        )
        return True
