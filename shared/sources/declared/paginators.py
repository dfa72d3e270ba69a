"""The six ways a list walks its pages, one model each, chosen by ``type`` (never guessed)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.sources.declared.paths import JsonPath

MAX_PAGES = 10_000
_ParamName = Annotated[str, Field(min_length=1, max_length=100)]


class _Paginator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Reaching it fails the job: an endless walk is an upstream fault, never truncated.
    max_pages: int = Field(default=MAX_PAGES, ge=1)


class SinglePaginator(BaseModel):
    """One request is the whole list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["single"]


class OffsetPaginator(_Paginator):
    """``?offset=N&limit=M``; with ``total`` the first page fans the others out at once."""

    type: Literal["offset"]
    limit: int = Field(ge=1)
    limit_param: _ParamName = "limit"
    offset_param: _ParamName = "offset"
    total: JsonPath | None = None
    # With ``total``: a larger total fails the job before anything fans out.
    max_items: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _max_items_needs_total(self) -> OffsetPaginator:
        if self.max_items is not None and self.total is None:
            raise ValueError("max_items needs total: only a known total can be checked")
        return self


class PageNumberPaginator(_Paginator):
    """``?page=N`` from ``start``; with ``total_pages`` fans out, otherwise to an empty page."""

    type: Literal["page_number"]
    page_param: _ParamName = "page"
    start: int = Field(default=1, ge=0)
    size: int | None = Field(default=None, ge=1)
    size_param: _ParamName | None = None
    total_pages: JsonPath | None = None

    @model_validator(mode="after")
    def _size_with_param(self) -> PageNumberPaginator:
        if (self.size is None) != (self.size_param is None):
            raise ValueError("size and size_param go together: the size is sent in size_param")
        return self


class CursorPaginator(_Paginator):
    """The body names the next page's cursor; it is sent back in ``cursor_param``."""

    type: Literal["cursor"]
    cursor_path: JsonPath
    cursor_param: _ParamName


class NextUrlPaginator(_Paginator):
    """The body holds the next page's URL, which must stay on ``base_url``'s host."""

    type: Literal["next_url"]
    next_path: JsonPath


class LinkHeaderPaginator(_Paginator):
    """``Link: <...>; rel="next"`` (RFC 8288), on ``base_url``'s host only."""

    type: Literal["link_header"]


PAGINATOR_TYPES = ("single", "offset", "page_number", "cursor", "next_url", "link_header")
Paginator = Annotated[
    SinglePaginator
    | OffsetPaginator
    | PageNumberPaginator
    | CursorPaginator
    | NextUrlPaginator
    | LinkHeaderPaginator,
    Field(discriminator="type"),
]


def paginator_params(paginator: object) -> list[str]:
    """The query parameters a paginator sets itself."""
    if isinstance(paginator, OffsetPaginator):
        return [paginator.offset_param, paginator.limit_param]
    if isinstance(paginator, PageNumberPaginator):
        return [p for p in (paginator.page_param, paginator.size_param) if p]
    if isinstance(paginator, CursorPaginator):
        return [paginator.cursor_param]
    return []
