"""Which events alert, and what a webhook reads."""

from __future__ import annotations

import uuid

import pytest

from shared.alerts import alert_for
from shared.events import EventOut, EventType
from shared.values.clock import utc_now


def _finished(status: str) -> EventOut:
    data = {"status": status, "pages_done": 3, "pages_total": 8, "items_failed": 2, "error": None}
    return EventOut(
        type=EventType.JOB_FINISHED, at=utc_now(), source="pokemon", job_id=uuid.uuid4(), data=data
    )


@pytest.mark.parametrize("status", ["failed", "partial", "timed_out"])
def test_a_job_ending_badly_alerts_with_a_slack_text(status: str) -> None:
    """failed, partial and timed_out jobs alert; the text names the source, job and status."""
    event = _finished(status)
    alert = alert_for("1-0", event)
    assert alert is not None
    assert alert.text.startswith(f"item-sync: pokemon job {event.job_id} ended {status}")
    assert (alert.kind, alert.event_id) == ("job.finished", "1-0")


@pytest.mark.parametrize(
    "event",
    [
        _finished("succeeded"),
        EventOut(type=EventType.JOB_PROGRESS, at=utc_now(), source="pokemon"),
        EventOut(type=EventType.JOB_OPENED, at=utc_now(), source="pokemon"),
        EventOut(type=EventType.DEAD_LETTER, at=utc_now(), source="pokemon"),
    ],
)
def test_other_events_do_not_alert(event: EventOut) -> None:
    """Successes, progress, openings and dead letters are for screens, not pagers."""
    assert alert_for("1-0", event) is None


@pytest.mark.parametrize(
    ("kind", "words"),
    [(EventType.BREAKER_OPENED, "opened after 5 failures"), (EventType.BREAKER_CLOSED, "closed")],
)
def test_breaker_moves_alert(kind: EventType, words: str) -> None:
    """Opening and closing a breaker both alert."""
    event = EventOut(type=kind, at=utc_now(), source="pokemon", data={"failures": 5})
    alert = alert_for("2-0", event)
    assert alert is not None
    assert words in alert.text
