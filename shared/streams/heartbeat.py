"""A consumer loop's heartbeat: when it last came round, for ``/health`` to judge.

It lives with the loop, not with the health checks, so the Redis loop imports
nothing of MySQL or its migrations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Heartbeat:
    """When a worker's loop last came round: a wedged loop stops touching it."""

    last: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        """Record one more turn of the loop."""
        self.last = time.monotonic()

    def age_s(self) -> float:
        """Seconds since the last turn."""
        return time.monotonic() - self.last
