"""MySQL DATETIME holds naive UTC (sessions run with time_zone +00:00)."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> datetime:
    """An aware time as the naive UTC value MySQL stores."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(value: datetime | None) -> datetime | None:
    """A stored naive UTC value as an aware time."""
    return None if value is None else value.replace(tzinfo=UTC)
