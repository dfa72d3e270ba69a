"""What a source is: a planner (spec in, first commands out), a fetcher (command in, page out)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.models.commands import Command
from shared.models.pages import FailedItem, FetchedItem, NotModifiedItem
from shared.models.spec import SyncSpec


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
    pages_added: int = 0  # a for_each walk's pages after its first, told by its last
    walk_ended: bool = False  # this page ends its for_each walk (see ``walk_end``)
    not_modified: list[NotModifiedItem] = field(default_factory=list)  # answered 304
    change_signal: str | None = None  # read as a complete list job started
    unchanged_by_signal: bool = False  # the signal ended the job: nothing else was fetched
    cursor: str | None = None  # the largest incremental cursor_field among the page's records
    incremental: bool = False  # asked for changed records only: the job marks no deletions
    # A list answer's save, perhaps still running (see ``ListAnswer``): awaited once the
    # page is out.
    saving: asyncio.Task[None] | None = None


class SourcePlanner(Protocol):
    """How a source starts a job: pure, built from ``Settings`` alone, no I/O.

    The API, the scheduler, the CLI and the re-driver hold planners only.
    """

    @property
    def name(self) -> str:
        """The source's name: ``api_source`` of its items, its key on the streams."""
        ...

    @property
    def detail_id(self) -> Any:
        """The type ``params.id`` of a detail sync must have; requests are validated with it."""
        ...

    @property
    def incremental(self) -> bool:
        """True when a ``list`` takes the cursor its source's last success kept."""
        ...

    def plan(self, spec: SyncSpec, *, since: str | None = None) -> list[Command]:
        """The commands that start a job for ``spec`` (already validated where it entered);
        ``since`` is the source's stored incremental cursor (none for a forced sync)."""
        ...

    def fanned_out(self, command: Command, pages_total: int | None) -> list[Command]:
        """The pages ``command`` fanned out to once the job's size was ``pages_total``
        (none when it is not a first page that fans out); for re-driving a stalled job.
        A walk those cannot rebuild (page by page, or one of several for_each walks)
        answers ``command`` itself: the walk again from its first page."""
        ...


class SourceFetcher(Protocol):
    """How a source fetches: one command in, one page out, with retries, breaker and budget.

    ``fetch`` raises ``JobFailedError`` when the whole job cannot succeed (a
    rejected key), ``PermanentUpstreamError`` when this one command cannot, and
    lets transient errors past the retries and ``CircuitOpenError`` propagate.
    A page that learns more of the job returns the commands for it as ``follow_ups``.
    """

    @property
    def name(self) -> str:
        """The source's name, as its planner's."""
        ...

    async def fetch(self, command: Command) -> SourcePage:
        """Fetch one command's page; transient errors past the retries propagate."""
        ...
