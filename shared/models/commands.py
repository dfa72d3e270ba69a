"""Commands on ``itemsync:commands``: what a fetcher is asked to fetch.

Each command names its own page key, so a redelivered command yields the same
page and the fetcher needs no knowledge of command types.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.models.envelope import Envelope


class ListCommand(BaseModel, frozen=True):
    """Fetch one list page; ``fan_out`` makes it learn ``count`` and emit the other pages."""

    type: Literal["list"] = "list"
    offset: int = Field(ge=0)
    limit: int = Field(gt=0, le=1000)
    fan_out: bool = False
    # Send stored validators and trust the change signal; False for force_sync (and for
    # entries written before this field existed: unconditional is always safe).
    conditional: bool = False

    @property
    def page_key(self) -> str:
        """The page's identity within its job; the same whether or not it fans out."""
        return f"list:{self.offset}"


class DetailCommand(BaseModel, frozen=True):
    """Fetch one item by its external id."""

    type: Literal["detail"] = "detail"
    external_id: str = Field(min_length=1, max_length=180)
    conditional: bool = False  # as on ListCommand

    @property
    def page_key(self) -> str:
        """The page's identity within its job."""
        return f"detail:{self.external_id}"


class WeatherCommand(BaseModel, frozen=True):
    """Fetch the current weather of one city."""

    type: Literal["weather"] = "weather"
    city: str = Field(min_length=1, max_length=180)

    @property
    def page_key(self) -> str:
        """The page's identity within its job."""
        return f"weather:{self.city}"


Command = Annotated[ListCommand | DetailCommand | WeatherCommand, Field(discriminator="type")]


def marked_conditional(commands: list[Command], *, force_sync: bool) -> list[Command]:
    """The commands with ``conditional`` set: every sync but a forced one may use validators."""
    marked: list[Command] = []
    for command in commands:
        if isinstance(command, ListCommand | DetailCommand):
            command = command.model_copy(update={"conditional": not force_sync})
        marked.append(command)
    return marked


class CommandMessage(BaseModel, frozen=True):
    """A command with its envelope, as read from or written to the stream."""

    envelope: Envelope
    command: Command

    @property
    def page_key(self) -> str:
        """The page this command makes, named within its job."""
        return self.command.page_key
