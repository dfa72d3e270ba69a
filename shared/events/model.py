"""The events the pipeline announces, as one flat model on the stream and over SSE."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.models.jobs import SyncJobRow


class EventType(StrEnum):
    """What happened; the first word names the thing it happened to."""

    JOB_OPENED = "job.opened"
    JOB_PROGRESS = "job.progress"
    JOB_FINISHED = "job.finished"
    BREAKER_OPENED = "breaker.opened"
    BREAKER_CLOSED = "breaker.closed"
    DEAD_LETTER = "dead_letter.added"


class EventOut(BaseModel, frozen=True):
    """One event: ``data`` holds the job's counters, the breaker's state or the dead letter."""

    type: EventType
    at: datetime
    source: str | None = None
    job_id: UUID | None = None
    data: dict[str, Any] = {}


# The job fields every job event carries: enough to draw a progress bar without a GET.
_JOB_FIELDS = (
    "status",
    "trigger",
    "operation",
    "pages_total",
    "pages_done",
    "items_seen",
    "items_created",
    "items_updated",
    "items_unchanged",
    "items_failed",
    "items_deleted",
    "error",
)


def job_event(kind: EventType, job: SyncJobRow, at: datetime) -> EventOut:
    """An event about ``job`` carrying its counters as stored."""
    fields = job.model_dump(mode="json", include=set(_JOB_FIELDS))
    return EventOut(type=kind, at=at, source=job.source, job_id=job.id, data=fields)


def is_terminal(event: EventOut) -> bool:
    """True for the last event a job ever gets."""
    return event.type is EventType.JOB_FINISHED
