"""Rates written the way operators write them: ``10/min``, ``100/h``, or ``0`` for no limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_PERIODS = {
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "d": timedelta(days=1),
    "day": timedelta(days=1),
}
_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events per ``period``."""

    count: int
    period: timedelta

    def __str__(self) -> str:
        return f"{self.count}/{int(self.period.total_seconds())}s"


def parse_rate(value: object) -> Rate | None:
    """Turn ``"10/min"`` into a Rate; ``"0"``, ``"off"`` or ``0`` mean no limit (None)."""
    if value is None or isinstance(value, Rate):
        return value
    text = str(value).strip().lower()
    if text in ("0", "off", "none", ""):
        return None
    match = _PATTERN.match(text)
    if match and match.group(2) in _PERIODS and int(match.group(1)) > 0:
        return Rate(count=int(match.group(1)), period=_PERIODS[match.group(2)])
    raise ValueError(f"not a rate: {value!r} (use e.g. 10/min, 100/h, or 0 for no limit)")


RateLimit = Annotated[Rate | None, BeforeValidator(parse_rate), PlainSerializer(str)]
