"""Answers of the operator routes behind the dashboard: streams, dead letters, sources, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from shared.models.jobs import JobOut

# A stream entry id, ``<ms>-<seq>``: 19 ASCII digits each always fit Redis's 64 bits.
EntryId = Annotated[str, Field(pattern=r"^[0-9]{1,19}-[0-9]{1,19}$")]


class ConsumerOut(BaseModel, frozen=True):
    """One consumer of a group: what it holds and how long it has been silent."""

    name: str
    pending: int
    idle_ms: int


class GroupOut(BaseModel, frozen=True):
    """One consumer group: entries not yet delivered (lag) and delivered but unacked."""

    name: str
    lag: int | None  # None when Redis cannot tell (after a trim or XSETID)
    pending: int
    last_delivered_id: str
    consumers: list[ConsumerOut]


class StreamOut(BaseModel, frozen=True):
    """One stream with its groups."""

    name: str
    length: int
    groups: list[GroupOut]


class StreamsOut(BaseModel, frozen=True):
    """Answer of ``GET /streams``."""

    streams: list[StreamOut]


class DeadLetterOut(BaseModel, frozen=True):
    """One dead letter as an operator sees it: in the dashboard and ``item-sync dlq list``."""

    dead_id: str
    stream: str
    entry_id: str
    error: str
    deliveries: str
    fields: dict[str, str]


class DeadLettersOut(BaseModel, frozen=True):
    """Answer of ``GET /dead-letters``: the oldest first."""

    dead_letters: list[DeadLetterOut]
    total: int


class ChosenDeadLetters(BaseModel):
    """These dead letters, by entry id."""

    model_config = ConfigDict(extra="forbid")

    ids: list[EntryId] = Field(min_length=1, max_length=1000)


class EveryDeadLetter(BaseModel):
    """Every dead letter: asked for by name, never implied by an empty body."""

    model_config = ConfigDict(extra="forbid")

    all: Literal[True]


class DeadLetterIdsRequest(RootModel[ChosenDeadLetters | EveryDeadLetter]):
    """Which dead letters to replay or purge: ``{"ids": [...]}`` or ``{"all": true}``."""


class ReplayedOut(BaseModel, frozen=True):
    """Answer of ``POST /dead-letters/replay``: the new entry ids on the original streams."""

    replayed: list[str]


class PurgedOut(BaseModel, frozen=True):
    """Answer of ``POST /dead-letters/purge``."""

    purged: int


class BreakerOut(BaseModel, frozen=True):
    """A source's breaker as stored in Redis."""

    state: str
    failures: int
    trips: int
    open_until_ms: int | None


class BudgetOut(BaseModel, frozen=True):
    """A source's request budget: its rate and how much of it is in use."""

    limit_per_s: float | None  # None: no budget configured
    granted: int  # requests let through since the budget was created
    delayed: int  # of those, how many had to wait for a slot
    reserved_ahead_ms: float  # how far ahead slots are already taken: 0 when idle


class SourceOut(BaseModel, frozen=True):
    """One source at a glance."""

    name: str
    breaker: BreakerOut
    budget: BudgetOut
    last_job: JobOut | None
    next_scheduled_at: datetime | None  # None when the scheduler is disabled


class SourcesOut(BaseModel, frozen=True):
    """Answer of ``GET /sources``."""

    sources: list[SourceOut]


class ItemSearchQuery(BaseModel):
    """Query of ``GET /search/items``: a name prefix or an exact upstream id."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=200)
    api_source: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=20, ge=1, le=100)


class AuditEntryOut(BaseModel, frozen=True):
    """One recorded write: who (by token id and address) did what, when."""

    id: int
    at: datetime
    action: str
    client: str
    token_id: str  # first 8 hex of the token's sha256; never the token
    target: str | None


class AuditPage(BaseModel, frozen=True):
    """Answer of ``GET /audit``: newest first."""

    entries: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class AuditQuery(BaseModel):
    """Query of ``GET /audit``."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)
