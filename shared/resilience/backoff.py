"""Pauses after our own parts fail (Redis, MySQL): grow, cap, add jitter."""

from __future__ import annotations

import random

_BASE_S = 0.2
_CAP_S = 5.0


def failure_pause_s(consecutive_failures: int) -> float:
    """Seconds to wait after the n-th failure in a row: 0.2, 0.4, ... up to 5, with jitter."""
    exponent = min(max(consecutive_failures - 1, 0), 10)
    delay = min(_CAP_S, _BASE_S * 2.0**exponent)
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret
