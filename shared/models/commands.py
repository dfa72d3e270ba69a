"""Commands on ``itemsync:commands``: what a fetcher is asked to fetch.

Each command names its own page key, so a redelivered command yields the same
page and the fetcher needs no knowledge of command types.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.models.envelope import Envelope


class DetailCommand(BaseModel, frozen=True):
    """Fetch one item by its external id."""

    type: Literal["detail"] = "detail"
    external_id: str = Field(min_length=1, max_length=180)
    # Send stored validators; False for force_sync (unconditional is always safe).
    conditional: bool = False

    @property
    def page_key(self) -> str:
        """The page's identity within its job."""
        return f"detail:{self.external_id}"


MAX_KEY_CHARS = 191  # sync_job_pages.page_key


class PageCommand(BaseModel, frozen=True):
    """Fetch one list page of a declared source, as its definition's paginator asked for it.

    ``url`` is on the source's ``base_url`` host and carries no secret (auth is added
    when the request is sent). The page key is the walk's value and page number, so a
    redelivered command, whatever cursor or URL it carries, lands on the same page.
    """

    type: Literal["list_page"] = "list_page"
    url: str = Field(min_length=1, max_length=8000)
    params: dict[str, str] = Field(default_factory=dict)
    page: int = Field(default=1, ge=1)  # its place in the walk
    cursor: str | None = Field(default=None, max_length=8000)  # the cursor it is sent with
    fanned: bool = False  # fanned out by a first page: it leads nowhere
    fan_out: bool = False  # a first page whose answers tell the walk's size
    for_each: str | None = Field(default=None, max_length=1000)  # the for_each value it serves
    incremental: bool = False  # sent the stored cursor: the job sees changed records only
    # Send stored validators; False for force_sync (unconditional is always safe).
    conditional: bool = False

    @property
    def page_key(self) -> str:
        """``page:<n>`` or ``page:<value>:<n>``; a long value is replaced by its hash."""
        key = f"page:{self.page}" if self.for_each is None else f"page:{self.for_each}:{self.page}"
        if len(key) <= MAX_KEY_CHARS:
            return key
        digest = hashlib.sha256((self.for_each or "").encode()).hexdigest()
        return f"page:{digest}:{self.page}"


Command = Annotated[DetailCommand | PageCommand, Field(discriminator="type")]


def walk_end(command: Command, follow_ups: Sequence[Command] = ()) -> int | None:
    """The pages a for_each walk counts beyond its first, told by the page that ends it.

    A page ends its walk when it leads on to no page but fanned ones: the first page of
    a fan-out (its size then known) or the last page of a page-by-page walk (its size is
    its number). None for a page that does not end a for_each walk.
    """
    if not isinstance(command, PageCommand) or command.for_each is None or command.fanned:
        return None
    if any(not (isinstance(f, PageCommand) and f.fanned) for f in follow_ups):
        return None
    return command.page - 1 + len(follow_ups)


def marked_conditional(commands: list[Command], *, force_sync: bool) -> list[Command]:
    """The commands with ``conditional`` set: every sync but a forced one may use validators."""
    marked: list[Command] = []
    for command in commands:
        marked.append(command.model_copy(update={"conditional": not force_sync}))
    return marked


class CommandMessage(BaseModel, frozen=True):
    """A command with its envelope, as read from or written to the stream."""

    envelope: Envelope
    command: Command

    @property
    def page_key(self) -> str:
        """The page this command makes, named within its job."""
        return self.command.page_key
