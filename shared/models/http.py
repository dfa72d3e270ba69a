"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.models.items import ItemOut
from shared.models.jobs import JobOut, JobStatus
from shared.sources.names import SOURCE_NAMES

MAX_OFFSET = 1_000_000_000  # far past any source; keeps SQL and JSON integers in range
MAX_ID = 2**63 - 1  # a BIGINT, and an integer every JSON encoder can write


def _known_source(value: str) -> str:
    if value not in SOURCE_NAMES:
        raise ValueError(f"unknown source; choose from {', '.join(sorted(SOURCE_NAMES))}")
    return value


class SyncParams(BaseModel):
    """``params`` of ``POST /sync``: a page window for ``list``, an id for ``detail``."""

    model_config = ConfigDict(extra="forbid")

    offset: int | None = Field(default=None, ge=0, le=MAX_OFFSET)
    limit: int | None = Field(default=None, ge=1, le=100)
    id: Annotated[int, Field(ge=0, le=MAX_ID)] | Annotated[str, Field(max_length=64)] | None = None


class SyncRequest(BaseModel):
    """Body of ``POST /sync``."""

    model_config = ConfigDict(extra="forbid")

    force_sync: bool = False
    api_source: str = "pokemon"
    operation: Literal["list", "detail"] = "list"
    params: SyncParams = Field(default_factory=SyncParams)

    _source = field_validator("api_source")(classmethod(lambda cls, v: _known_source(v)))

    def plan_params(self) -> dict[str, Any]:
        """The params that define the job (what makes two requests identical)."""
        return self.params.model_dump(exclude_none=True)


class SyncAccepted(BaseModel):
    """Answer of ``POST /sync``: the job that carries the sync."""

    job_id: UUID
    status: JobStatus
    deduplicated: bool
    links: dict[str, str]


class ItemsQuery(BaseModel):
    """Query of ``GET /items``."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    api_source: str | None = None
    include_deleted: bool = False

    @field_validator("api_source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else _known_source(value)


class ItemsPage(BaseModel):
    """Answer of ``GET /items``."""

    items: list[ItemOut]
    total: int
    limit: int
    offset: int


class JobsQuery(BaseModel):
    """Query of ``GET /jobs``."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    source: str | None = None
    status: JobStatus | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else _known_source(value)


class JobsPage(BaseModel):
    """Answer of ``GET /jobs``."""

    jobs: list[JobOut]
    total: int
    limit: int
    offset: int


class ErrorDetail(BaseModel):
    """One problem with the request, naming the field where there is one."""

    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    """``{"error": {code, message, details}}``."""

    code: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorOut(BaseModel):
    """Every error answer of the API."""

    error: ErrorBody
