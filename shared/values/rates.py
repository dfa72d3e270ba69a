"""Rates written the way operators write them: ``60/min``, ``100/s``, or ``0`` for no limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_SECOND, _MINUTE, _HOUR, _DAY = (timedelta(seconds=s) for s in (1, 60, 3600, 86400))
_PERIODS = {
    "s": _SECOND,
    "sec": _SECOND,
    "second": _SECOND,
    "m": _MINUTE,
    "min": _MINUTE,
    "minute": _MINUTE,
    "h": _HOUR,
    "hour": _HOUR,
    "d": _DAY,
    "day": _DAY,
}
_UNIT_NAMES = {_SECOND: "s", _MINUTE: "min", _HOUR: "h", _DAY: "d"}
_NO_LIMIT = frozenset({"0", "off", "none", "unlimited"})
_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events in any ``period``."""

    count: int
    period: timedelta

    @property
    def period_s(self) -> float:
        """The period in seconds."""
        return self.period.total_seconds()

    @property
    def interval_us(self) -> int:
        """Microseconds between two events when they are spread evenly."""
        return max(1, round(self.period_s * 1_000_000 / self.count))

    def __str__(self) -> str:
        unit = _UNIT_NAMES.get(self.period, f"{self.period_s:g}s")
        return f"{self.count}/{unit}"


def parse_rate(value: object) -> Rate | None:
    """Turn ``"60/min"``, ``"100/s"``, ``"5000/h"`` into a Rate; ``"0"`` or ``"off"`` mean None."""
    if value is None or isinstance(value, Rate):
        return value
    text = str(value).strip().lower()
    if text in _NO_LIMIT:
        return None
    match = _PATTERN.match(text)
    if match and match[2] in _PERIODS and int(match[1]) > 0:
        return Rate(count=int(match[1]), period=_PERIODS[match[2]])
    raise ValueError(f"not a rate: {value!r} (use e.g. 60/min, 100/s, 5000/h, or 0 for no limit)")


RateLimit = Annotated[Rate | None, BeforeValidator(parse_rate), PlainSerializer(str)]
