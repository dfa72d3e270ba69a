"""The answer of ``GET /health``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    """``status`` and one entry per check (``ok`` or ``error: <kind>``); breakers when readable.

    ``degraded`` (still 200): Redis and MySQL serve, but some state in Redis is
    corrupt; the ``breakers`` check names the key and field. ``warnings`` name what does
    not fail a check but can lose queued work, such as a Redis without persistence or
    with an evicting ``maxmemory-policy``.
    """

    status: Literal["ok", "degraded", "unavailable"]
    checks: dict[str, str]
    breakers: dict[str, Literal["closed", "open", "half_open", "corrupt"]] | None = None
    warnings: list[str] = Field(default_factory=list)
