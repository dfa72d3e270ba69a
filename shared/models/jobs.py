"""Sync jobs as stored and served: a flat object with the ``sync_jobs`` fields."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.models.spec import SyncSpec


class JobStatus(StrEnum):
    """Where a job is in its life; the last four are final."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    TIMED_OUT = "timed_out"

    @property
    def is_open(self) -> bool:
        """True while the job can still make progress."""
        return self in (JobStatus.PENDING, JobStatus.RUNNING)


class JobTrigger(StrEnum):
    """Who opened a job."""

    SCHEDULED = "scheduled"
    MANUAL = "manual"


class SyncJobRow(BaseModel, frozen=True):
    """One row of ``sync_jobs``."""

    id: UUID
    source: str
    trigger: JobTrigger
    operation: str
    params: dict[str, Any]
    force_sync: bool
    status: JobStatus
    trace_id: str
    started_at: datetime
    finished_at: datetime | None
    pages_total: int | None
    pages_done: int
    items_seen: int
    items_created: int
    items_updated: int
    items_unchanged: int
    items_failed: int
    items_deleted: int
    error: str | None
    # The source's change signal when a complete list job started (None: none seen), and
    # whether that signal, unchanged since the last sweep, ended the job without one.
    change_signal: str | None
    signal_skipped: bool

    def spec(self) -> SyncSpec:
        """What the job was asked to do, parsed back; ``ValidationError`` if it no longer parses."""
        return SyncSpec.model_validate(
            {
                "source": self.source,
                "operation": self.operation,
                "params": self.params,
                "force_sync": self.force_sync,
            }
        )


class JobErrorRow(BaseModel, frozen=True):
    """One row of ``sync_job_errors``: an item the job could not fetch."""

    external_id: str
    error: str
    attempts: int
    recorded_at: datetime


class JobErrorOut(JobErrorRow, frozen=True):
    """An item error in an API answer."""


class JobOut(SyncJobRow, frozen=True):
    """A job in an API answer: the ``sync_jobs`` fields, flat, plus its progress."""

    duration_s: float  # to finished_at, or to now while the job is open
    percent_done: float | None  # pages_done of pages_total; None until the total is known

    @classmethod
    def from_row(cls, row: SyncJobRow, now: datetime) -> JobOut:
        """The row with its progress as of ``now``."""
        end = row.finished_at or now
        percent = None
        if row.pages_total:
            percent = round(min(100.0, 100.0 * row.pages_done / row.pages_total), 1)
        return cls(
            **row.model_dump(),
            duration_s=round(max(0.0, (end - row.started_at).total_seconds()), 3),
            percent_done=percent,
        )


class JobDetailOut(JobOut, frozen=True):
    """Answer of ``GET /jobs/{id}``: the job, its progress and its first item errors."""

    errors: list[JobErrorOut]
    errors_total: int  # every recorded item error; ``errors`` holds at most the first 100
