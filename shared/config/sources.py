"""``SOURCE_*``: what every source shares (each source itself is a YAML definition)."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import BaseModel, model_validator

from shared.values.durations import PositiveDuration


class SourceSettings(BaseModel):
    """``SOURCE_*``: what every source shares."""

    # An unchanged change signal is trusted only this long after a full sweep: a CDN
    # may serve old answers for hours after upstream data changed.
    full_sweep_interval: PositiveDuration = timedelta(hours=24)
    # A stored list answer no sync used for this long is dropped (see list_answers).
    list_answer_retention: PositiveDuration = timedelta(days=7)

    @model_validator(mode="after")
    def _retention_outlasts_sweeps(self) -> Self:
        # Between sweeps an unchanged signal asks for no list page, so no answer is used.
        if self.list_answer_retention <= self.full_sweep_interval:
            raise ValueError(
                "SOURCE_LIST_ANSWER_RETENTION must be longer than SOURCE_FULL_SWEEP_INTERVAL"
            )
        return self
