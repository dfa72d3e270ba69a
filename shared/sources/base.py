"""What a source is: it plans a job's first commands and turns one command into a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.models.commands import Command
from shared.models.pages import FailedItem, FetchedItem, NotModifiedItem


@dataclass(frozen=True)
class SourcePage:
    """What one command fetched: items, permanent failures, and upstream's count.

    A command that learns the size of the job (the first page of a list) also
    returns the commands for the rest of it and the job's page count.
    """

    items: list[FetchedItem]
    failed: list[FailedItem] = field(default_factory=list)
    total: int | None = None
    follow_ups: list[Command] = field(default_factory=list)
    pages_total: int | None = None
    not_modified: list[NotModifiedItem] = field(default_factory=list)  # answered 304
    change_signal: str | None = None  # read as a complete list job started
    unchanged_by_signal: bool = False  # the signal ended the job: nothing else was fetched


class Source(Protocol):
    """A plug-in upstream. ``plan`` is pure; ``fetch`` does the HTTP with retries.

    ``fetch`` raises ``JobFailedError`` when the whole job cannot succeed (a
    rejected key), ``PermanentUpstreamError`` when this one command cannot, and
    lets transient errors past the retries and ``CircuitOpenError`` propagate.
    """

    name: str

    def plan(self, operation: str, params: dict[str, Any]) -> list[Command]:
        """The commands that start a job; raises ``InvalidRequest`` for bad params."""
        ...

    async def fetch(self, command: Command) -> SourcePage:
        """Fetch one command's page; transient errors past the retries propagate."""
        ...
