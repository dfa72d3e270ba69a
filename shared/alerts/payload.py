"""Which events deserve an alert, and the JSON a webhook receives for one."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.events.model import EventOut, EventType
from shared.models.jobs import JobStatus

ALERTING_STATUSES = frozenset(
    status.value for status in (JobStatus.FAILED, JobStatus.PARTIAL, JobStatus.TIMED_OUT)
)


class AlertOut(BaseModel, frozen=True):
    """The body POSTed to every ``ALERT_WEBHOOK_URLS`` entry; ``text`` is what Slack shows."""

    text: str
    kind: str  # the event type: job.finished, breaker.opened, breaker.closed
    event_id: str  # the itemsync:events entry id: the same alert always carries the same id
    at: datetime
    source: str | None
    job_id: UUID | None
    details: dict[str, Any]


def alert_for(event_id: str, event: EventOut) -> AlertOut | None:
    """The alert an event calls for, or None (progress, successes, dead letters)."""
    if event.type is EventType.JOB_FINISHED:
        status = str(event.data.get("status", ""))
        if status not in ALERTING_STATUSES:
            return None
        text = (
            f"item-sync: {event.source} job {event.job_id} ended {status}"
            f" ({event.data.get('pages_done')}/{event.data.get('pages_total')} pages,"
            f" {event.data.get('items_failed')} items failed)"
        )
        if event.data.get("error"):
            text += f": {event.data['error']}"
    elif event.type is EventType.BREAKER_OPENED:
        text = (
            f"item-sync: breaker of {event.source} opened after"
            f" {event.data.get('failures')} failures; calls paused"
        )
    elif event.type is EventType.BREAKER_CLOSED:
        text = f"item-sync: breaker of {event.source} closed; calls resumed"
    else:
        return None
    return AlertOut(
        text=text,
        kind=event.type.value,
        event_id=event_id,
        at=event.at,
        source=event.source,
        job_id=event.job_id,
        details=event.data,
    )
