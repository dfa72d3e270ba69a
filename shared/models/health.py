"""The answer of ``GET /health``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthOut(BaseModel):
    """``status`` and one entry per check (``ok`` or ``error: <kind>``); breakers when readable."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str]
    breakers: dict[str, Literal["closed", "open", "half_open"]] | None = None
