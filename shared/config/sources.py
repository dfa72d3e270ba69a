"""``SOURCE_*``: what every source shares (each source itself is a YAML definition)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from shared.values.durations import PositiveDuration


class SourceSettings(BaseModel):
    """``SOURCE_*``: what every source shares."""

    # An unchanged change signal is trusted only this long after a full sweep: a CDN
    # may serve old answers for hours after upstream data changed.
    full_sweep_interval: PositiveDuration = timedelta(hours=24)
