"""What an upstream call asks before it goes out and reports after: a breaker.

``Breaker`` (breaker.py) is the one every fetcher shares through Redis. ``UnsharedBreaker``
is for a one-shot command that sends a request or two and then exits
(``item-sync sources check``): it keeps no state, so the command needs no Redis and
moves no fetcher's breaker.
"""

from __future__ import annotations

from typing import Protocol


class CallGuard(Protocol):
    """``guard`` before each attempt (raises ``CircuitOpenError`` to hold it back);
    ``succeeded`` or ``failed`` after it."""

    async def guard(self) -> None:
        """Return when a call may go out."""
        ...

    async def succeeded(self) -> None:
        """Record a call that reached a healthy upstream."""
        ...

    async def failed(self) -> None:
        """Record a call that found the upstream failing."""
        ...


class UnsharedBreaker:
    """Lets every call through and remembers nothing: for one command's few requests."""

    async def guard(self) -> None:
        """Always: one command's requests have no other fetchers to protect."""

    async def succeeded(self) -> None:
        """Nothing to record."""

    async def failed(self) -> None:
        """Nothing to record: the command reports the failure itself."""
