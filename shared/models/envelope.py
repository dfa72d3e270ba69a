"""The fields every stream entry carries besides its body."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field


class Envelope(BaseModel, frozen=True):
    """Who a message belongs to: its job, source and trace, and when it was made."""

    job_id: UUID
    source: str = Field(min_length=1, max_length=64)
    trace_id: str = Field(min_length=1, max_length=64)
    created_at: AwareDatetime
