"""Live events: what the pipeline announces on ``itemsync:events`` for screens and alerts."""

from shared.events.model import EventOut, EventType, is_terminal, job_event
from shared.events.publish import publish_event, publish_job_event
from shared.events.read import last_event_id, read_events

__all__ = [
    "EventOut",
    "EventType",
    "is_terminal",
    "job_event",
    "last_event_id",
    "publish_event",
    "publish_job_event",
    "read_events",
]
