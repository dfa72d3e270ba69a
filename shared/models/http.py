"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StrictBool,
    Tag,
    create_model,
)

from shared.models.item_cursor import CURSOR_PATTERN, ItemSort
from shared.models.items import ItemOut
from shared.models.jobs import JobOut, JobStatus
from shared.models.query_values import (
    QueryBool,
    QueryLimit,
    QueryOffset,
    QueryText,
    QueryTime,
    QueryUuid,
)
from shared.models.spec import DetailParams, ListParams, Operation, SyncSpec

TAG_MARK = "@"  # starts every union tag, so error locations can leave tags out
UNKNOWN_KIND = "unknown_sync_kind"  # the error when no kind of sync matches operation/api_source


def one_of(values: Sequence[str]) -> Any:
    """``Literal[values...]``, built at run time from the configured sources."""
    return Literal.__getitem__(tuple(values))


class SyncRequest(BaseModel):
    """Body of ``POST /sync``: the fields every kind of sync has.

    The app validates with ``HttpModels.sync_request``, whose kinds narrow
    ``api_source``, ``operation`` and ``params`` to what the enabled sources take.
    """

    model_config = ConfigDict(extra="forbid")

    force_sync: StrictBool = False
    api_source: str
    operation: Operation = "list"
    params: ListParams | DetailParams = Field(default_factory=ListParams)

    def spec(self) -> SyncSpec:
        """The sync this request asks for, as it travels to the job and is read back."""
        params = self.params
        if isinstance(params, DetailParams):  # the source's narrowed id type did its work
            params = DetailParams(id=params.id)
        return SyncSpec(
            source=self.api_source,
            operation=self.operation,
            params=params,
            force_sync=self.force_sync,
        )


class SyncAccepted(BaseModel):
    """Answer of ``POST /sync``: the job that carries the sync."""

    job_id: UUID
    status: JobStatus
    deduplicated: bool
    links: dict[str, str]


class ItemsQuery(BaseModel):
    """Query of ``GET /items``: filters, a sort, and a page by offset or by cursor."""

    model_config = ConfigDict(extra="forbid")

    limit: QueryLimit = 20
    offset: QueryOffset = 0
    after: Annotated[
        str | None,
        Field(
            pattern=CURSOR_PATTERN,
            description=(
                "The next_after of a previous page: the page after the item it names,"
                " in this sort order (offset then skips further)"
            ),
        ),
    ] = None
    sort: Annotated[
        ItemSort,
        Field(description="id, external_id (numeric ids as numbers, then the rest) or updated_at"),
    ] = "id"
    api_source: str | None = None  # narrowed to the enabled sources by ``http_models``
    include_deleted: QueryBool = False
    external_id: Annotated[QueryText | None, Field(min_length=1, max_length=191)] = None
    name: Annotated[
        QueryText | None, Field(min_length=1, max_length=255, description="Exact, case-insensitive")
    ] = None
    name_prefix: Annotated[
        QueryText | None,
        Field(min_length=1, max_length=255, description="Names starting so, case-insensitive"),
    ] = None
    updated_since: Annotated[
        QueryTime | None,
        Field(
            description="Items written at or after this RFC 3339 time, e.g. 2026-01-01T00:00:00Z"
        ),
    ] = None
    changed_in_job: Annotated[
        QueryUuid | None,
        Field(description="Items whose last change (created, updated, deleted) was this job's"),
    ] = None


class ItemsPage(BaseModel):
    """Answer of ``GET /items``: ``total`` counts every match, ``next_after`` the next page."""

    items: list[ItemOut]
    total: int
    limit: int
    offset: int
    next_after: str | None = None


class JobsQuery(BaseModel):
    """Query of ``GET /jobs``."""

    model_config = ConfigDict(extra="forbid")

    limit: QueryLimit = 20
    offset: QueryOffset = 0
    source: str | None = None  # narrowed to the enabled sources by ``http_models``
    status: JobStatus | None = None


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


@dataclass(frozen=True)
class HttpModels:
    """The request models of one app, narrowed to the sources it serves.

    The handlers validate with these, and ``/openapi.json`` is generated from
    them: the description and the validation are one thing.
    """

    sync_request: type[RootModel[SyncRequest]]
    items_query: type[ItemsQuery]
    jobs_query: type[JobsQuery]
    sources: tuple[str, ...] = ()  # the enabled sources, in order


def http_models(detail_ids: Mapping[str, Any], *, default: str) -> HttpModels:
    """Models for the enabled sources, in order, each with the type of its detail id.

    ``default`` is the ``api_source`` of a sync request that names none.
    """
    sources = tuple(detail_ids)
    if not sources:
        raise ValueError("no source is enabled")
    if default not in sources:
        raise ValueError(f"the default source {default!r} is not enabled")
    optional_source: Any = (one_of(sources) | None, None)
    return HttpModels(
        sync_request=_sync_request(detail_ids, default),
        items_query=create_model("ItemsQuery", __base__=ItemsQuery, api_source=optional_source),
        jobs_query=create_model("JobsQuery", __base__=JobsQuery, source=optional_source),
        sources=sources,
    )


def _sync_request(detail_ids: Mapping[str, Any], default: str) -> type[RootModel[SyncRequest]]:
    """One kind per (operation, source): ``list`` of any enabled source, ``detail`` of each."""
    sources = tuple(detail_ids)
    kinds: list[tuple[str, type[SyncRequest]]] = [
        (
            f"{TAG_MARK}list",
            _kind(
                "ListSyncRequest",
                api_source=(one_of(sources), default),
                operation=(Literal["list"], "list"),
                params=(ListParams, Field(default_factory=ListParams)),
            ),
        )
    ]
    for source, id_type in detail_ids.items():
        id_field: Any = (id_type, ...)
        params: type[DetailParams] = create_model(
            f"{source.capitalize()}DetailParams", __base__=DetailParams, id=id_field
        )
        kinds.append(
            (
                f"{TAG_MARK}detail:{source}",
                _kind(
                    f"{source.capitalize()}DetailSyncRequest",
                    api_source=(one_of((source,)), default if source == default else ...),
                    operation=(Literal["detail"], ...),
                    params=(params, ...),
                ),
            )
        )

    def kind_of(value: Any) -> str | None:
        if not isinstance(value, dict):
            return None
        operation = value.get("operation", "list")
        if operation == "detail":
            source = value.get("api_source", default)
            # A source not enabled: let the first detail kind name api_source as the problem.
            known = isinstance(source, str) and source in detail_ids
            return f"{TAG_MARK}detail:{source if known else sources[0]}"
        return f"{TAG_MARK}{operation}" if isinstance(operation, str) else None

    choices = tuple(Annotated[model, Tag(tag)] for tag, model in kinds)
    union: Any = Annotated[
        functools.reduce(operator.or_, choices),  # kind | kind | ...: a union built at run time
        Discriminator(
            kind_of,
            custom_error_type=UNKNOWN_KIND,
            custom_error_message=(
                "operation must be list, or detail with api_source one of: " + ", ".join(sources)
            ),
        ),
    ]
    root: Any = RootModel[union]
    model = create_model(
        "SyncRequest", __base__=root, __doc__="Body of ``POST /sync``: one kind of sync."
    )
    return cast("type[RootModel[SyncRequest]]", model)


def _kind(name: str, **fields: Any) -> type[SyncRequest]:
    definitions: dict[str, Any] = fields
    return create_model(name, __base__=SyncRequest, **definitions)
