"""What a batch did to each job: its counts, then the job moved on by ``shared/db``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import aiomysql

from shared.db.job_transitions import JobProgress, add_progress, close_job
from shared.models.jobs import JobStatus
from shared.models.pages import PageMessage


@dataclass
class JobTally:
    """What one batch did to one job's counters."""

    pages: int = 0
    pages_total: int | None = None
    pages_added: int = 0
    walks_ended: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0  # live items the closing of a complete sync marked deleted

    def counts(self) -> dict[str, int]:
        """Pages written and items by outcome: what the job's row, metrics and logs add up."""
        return {
            "pages": self.pages,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }

    def progress(self) -> JobProgress:
        """The counts added to the job's row."""
        return JobProgress(
            pages_total=self.pages_total,
            pages_added=self.pages_added,
            walks_ended=self.walks_ended,
            **self.counts(),
        )


@dataclass
class BatchResult:
    """The outcome of one committed batch."""

    tallies: dict[uuid.UUID, JobTally] = field(default_factory=dict)
    duplicate_pages: int = 0
    orphan_pages: int = 0
    changed_item_ids: list[int] = field(default_factory=list)
    rows_written: int = 0  # created, changed and marked deleted: cached item lists are stale
    finished_jobs: dict[uuid.UUID, JobStatus] = field(default_factory=dict)


async def fail_jobs(
    conn: aiomysql.Connection, pages: list[PageMessage], now: datetime
) -> dict[uuid.UUID, JobStatus]:
    """Close the open jobs named by pages with ``job_error``; the jobs this closed, by id.

    The first such page wins the message; a job already closed keeps its outcome.
    """
    failed: dict[uuid.UUID, JobStatus] = {}
    for message in pages:
        error, job_id = message.page.job_error, message.envelope.job_id
        if error is None or job_id in failed:
            continue
        if await close_job(conn, job_id, JobStatus.FAILED, now, error=error):
            failed[job_id] = JobStatus.FAILED
    return failed


async def update_job(
    conn: aiomysql.Connection, job_id: uuid.UUID, tally: JobTally, now: datetime
) -> JobStatus | None:
    """Add the tally to the job's counters; its final status when its last page closed it."""
    row = await add_progress(conn, job_id, tally.progress(), now)
    return row.status if row.closed else None
