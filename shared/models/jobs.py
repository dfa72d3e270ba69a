"""Sync jobs as stored and served: a flat object with the ``sync_jobs`` fields."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel


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
