"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
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
from shared.models.spec import MAX_OFFSET, DetailParams, ListParams, Operation, SyncSpec

TAG_MARK = "@"  # starts every union tag, so error locations can leave tags out
UNKNOWN_KIND = "unknown_sync_kind"  # the error when no kind of sync matches operation/api_source
_QUERY_DIGITS = re.compile(r"[0-9]{1,10}")  # MAX_OFFSET has 10 digits
# RFC 3339's date-time; fractions past microseconds are cut, not rounded.
_QUERY_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# MySQL's DATETIME range: a time outside it is taken as its nearest end.
_EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_QUERY_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _query_integer(value: object) -> object:
    # int() takes " 5", "+5", "1_0" and other scripts' digits; a query takes ASCII digits.
    if isinstance(value, str) and _QUERY_DIGITS.fullmatch(value) is None:
        raise ValueError("must be a whole number in ASCII digits")
    return value


def _query_boolean(value: object) -> object:
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_boolean)]


def _query_time(value: object) -> object:
    # pydantic also takes Unix seconds and dates; a query takes an RFC 3339 date-time.
    if not isinstance(value, str):
        return value
    match = _QUERY_TIME.fullmatch(value)
    if match is None:
        raise ValueError("must be an RFC 3339 time with an offset, e.g. 2026-01-01T00:00:00Z")
    year, month_day, clock, fraction, offset = match.groups()
    if year == "0000":
        return _EARLIEST
    seconds = "59" if clock.endswith(":60") else clock[-2:]  # a leap second: its second's start
    text = f"{year}-{month_day}T{clock[:-2]}{seconds}{(fraction or '')[:7]}{offset.upper()}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:  # 02-30 and the like
        raise ValueError("not a valid time") from exc
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # past year 1 or 9999 once in UTC
        return _EARLIEST if moment.year < 5000 else _LATEST
    return min(max(moment, _EARLIEST), _LATEST)


def _query_uuid(value: object) -> object:
    if isinstance(value, str) and _QUERY_UUID.fullmatch(value) is None:
        raise ValueError("must be a job id (a hyphenated UUID)")
    return value


def _query_text(value: object) -> object:
    # A percent-escape of bad UTF-8 decodes to lone surrogates, which MySQL cannot take.
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise ValueError("must be valid UTF-8") from exc
    return value


QueryText = Annotated[str, BeforeValidator(_query_text)]
QueryTime = Annotated[datetime, BeforeValidator(_query_time)]
QueryUuid = Annotated[UUID, BeforeValidator(_query_uuid)]


QueryOffset = Annotated[int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(_query_integer)]
QueryLimit = Annotated[int, Field(ge=1, le=100), BeforeValidator(_query_integer)]


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
        """The sync this request asks for, as it travels to the job."""
        return SyncSpec(
            source=self.api_source,
            operation=self.operation,
            params=self.params,
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
