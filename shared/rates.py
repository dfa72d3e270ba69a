"""Request rates written the way operators write them: ``60/min``, ``100/s``, ``0`` (none)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator

_PERIODS_S = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hour": 3600.0}
_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests in any ``period_s`` seconds."""

    count: int
    period_s: float

    @property
    def interval_us(self) -> int:
        """Microseconds between two requests when they are spread evenly."""
        return max(1, round(self.period_s * 1_000_000 / self.count))

    def __str__(self) -> str:
        unit = {1.0: "s", 60.0: "min", 3600.0: "h"}.get(self.period_s, f"{self.period_s:g}s")
        return f"{self.count}/{unit}"


def parse_rate(value: object) -> Rate | None:
    """Turn ``"60/min"``, ``"100/s"``, ``"5000/h"`` into a Rate; ``"0"`` means no limit (None)."""
    if value is None or isinstance(value, Rate):
        return value
    text = str(value).strip().lower()
    if text in {"0", "none", "unlimited"}:
        return None
    match = _PATTERN.match(text)
    if match and match[2] in _PERIODS_S and int(match[1]) > 0:
        return Rate(count=int(match[1]), period_s=_PERIODS_S[match[2]])
    raise ValueError(f"not a rate: {value!r} (use e.g. 60/min, 100/s, 5000/h, or 0 for no limit)")


RateLimit = Annotated[Rate | None, BeforeValidator(parse_rate)]
