"""Durations written the way operators write them: ``15m``, ``60s``, ``500ms``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_UNITS_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(value: object) -> timedelta:
    """Turn ``"15m"``, ``"500ms"``, ``"60"`` (seconds) or a number into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        match = _PATTERN.match(value)
        if match:
            amount, unit = match.groups()
            return timedelta(seconds=float(amount) * _UNITS_S[unit or "s"])
    raise ValueError(f"not a duration: {value!r} (use e.g. 15m, 60s, 500ms)")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

MIN_POSITIVE = timedelta(milliseconds=1)


def _positive(value: timedelta) -> timedelta:
    if value < MIN_POSITIVE:
        raise ValueError("must be at least 1ms")
    return value


PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_positive)]
