"""Walking a list's pages as pure functions: what was sent and what came back → what next.

No HTTP here. A fetcher sends a ``PageRequest``, hands the answer to ``next_pages`` and
emits what it returns: every remaining page at once when the first page tells the total
(offset with ``total``, page_number with ``total_pages``), otherwise the one next page,
or nothing when the walk is over. A walk that cannot end well raises ``PaginationError``:
past ``max_pages``, a cursor or URL that repeats, a next page on another host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin

from shared.sources.declared.errors import PageShapeError, PaginationError
from shared.sources.declared.links import next_link, origin, origin_text, with_query
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.paginators import (
    CursorPaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
    SinglePaginator,
)
from shared.sources.declared.paths import MISSING, find, select
from shared.sources.declared.templates import fill


@dataclass(frozen=True)
class PageRequest:
    """One list request of a walk. After a next URL, ``url`` carries the whole query."""

    url: str
    params: dict[str, str] = field(default_factory=dict)
    page: int = 1  # its place in the walk; the first page is 1
    cursor: str | None = None  # the cursor it was sent with
    fanned: bool = False  # one of the pages a first page fanned out: it leads nowhere


@dataclass(frozen=True)
class PageAnswer:
    """What came back: the parsed body, the headers (repeated ones joined by ", "), and
    how many records the page held."""

    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    records: int | None = None  # needed by offset and page_number walks without a total

    def record_count(self) -> int:
        """How many records the page held; never guessed, since 0 would end a walk."""
        if self.records is None:
            raise ValueError("this walk stops on the page's record count: pass records=")
        return self.records


@dataclass(frozen=True)
class NextPages:
    """The requests to send next; ``pages_total`` is the walk's size once it is known."""

    requests: list[PageRequest]
    pages_total: int | None = None

    @property
    def done(self) -> bool:
        """Nothing follows this page."""
        return not self.requests


def first_requests(definition: SourceDefinition, *, since: str | None = None) -> list[PageRequest]:
    """The first page of the list, or one per ``for_each`` value (run in parallel).

    ``since`` is the stored incremental cursor; without it ``incremental.initial`` is sent,
    if the definition has one (a forced sync passes no ``since``).
    """
    spec = definition.list_
    values = spec.for_each.value_list() if spec.for_each else [None]
    requests = []
    for value in values:
        names = {spec.for_each.as_: value} if spec.for_each and value is not None else {}
        params = {key: fill(text, names, in_path=False) for key, text in spec.params.items()}
        params.update(_start_params(spec.paginator))
        cursor = since or (definition.incremental.initial if definition.incremental else None)
        if definition.incremental is not None and cursor is not None:
            params[definition.incremental.param] = cursor
        url = definition.base_url + fill(spec.path, names, in_path=True)
        requests.append(PageRequest(url=url, params=params))
    return requests


def next_pages(
    paginator: Paginator, sent: PageRequest, answer: PageAnswer, *, base_url: str
) -> NextPages:
    """What follows the page ``sent`` asked for, given its ``answer``."""
    if sent.fanned:
        return NextPages([])
    if isinstance(paginator, SinglePaginator):
        return NextPages([], pages_total=1)
    if isinstance(paginator, OffsetPaginator):
        return _after_offset(paginator, sent, answer)
    if isinstance(paginator, PageNumberPaginator):
        return _after_page_number(paginator, sent, answer)
    if isinstance(paginator, CursorPaginator):
        return _after_cursor(paginator, sent, answer)
    if isinstance(paginator, NextUrlPaginator):
        target = find(answer.body, paginator.next_path)
        if target is MISSING:
            select(answer.body, paginator.next_path)  # raises, naming the path
        if target is not None and not isinstance(target, str):
            raise PageShapeError(f"next_path {paginator.next_path!r} is not a URL")
        return _follow(target or None, paginator, sent, base_url)
    link = _header(answer.headers, "link")
    return _follow(next_link(link) if link else None, paginator, sent, base_url)


def _start_params(paginator: Paginator) -> dict[str, str]:
    if isinstance(paginator, OffsetPaginator):
        return {paginator.offset_param: "0", paginator.limit_param: str(paginator.limit)}
    if isinstance(paginator, PageNumberPaginator):
        params = {paginator.page_param: str(paginator.start)}
        if paginator.size_param and paginator.size:
            params[paginator.size_param] = str(paginator.size)
        return params
    return {}


def _after_offset(p: OffsetPaginator, sent: PageRequest, answer: PageAnswer) -> NextPages:
    offset = int(sent.params.get(p.offset_param, "0"))
    limit = int(sent.params.get(p.limit_param, str(p.limit)))  # a sync may ask another size
    if p.total is not None:
        total = _whole_number(answer.body, p.total)
        if p.max_items is not None and total > p.max_items:
            raise PaginationError(
                f"the list's total {total} is above paginator.max_items={p.max_items}; "
                "nothing was fanned out"
            )
        return _fan_out(p, sent, p.offset_param, range(offset + limit, total, limit))
    if answer.record_count() < limit:
        return NextPages([], pages_total=sent.page)
    return _sequential(p, sent, params={**sent.params, p.offset_param: str(offset + limit)})


def _after_page_number(p: PageNumberPaginator, sent: PageRequest, answer: PageAnswer) -> NextPages:
    number = int(sent.params.get(p.page_param, str(p.start)))
    if p.total_pages is not None:
        last = p.start + _whole_number(answer.body, p.total_pages) - 1
        return _fan_out(p, sent, p.page_param, range(number + 1, last + 1))
    if answer.record_count() == 0:
        return NextPages([], pages_total=sent.page)
    return _sequential(p, sent, params={**sent.params, p.page_param: str(number + 1)})


def _after_cursor(p: CursorPaginator, sent: PageRequest, answer: PageAnswer) -> NextPages:
    value = find(answer.body, p.cursor_path)  # missing, null or empty: the walk is over
    if value is MISSING or value is None or value == "":
        return NextPages([], pages_total=sent.page)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PageShapeError(f"cursor_path {p.cursor_path!r} is not text or a whole number")
    cursor = str(value)
    if cursor == sent.cursor:
        raise PaginationError(
            f"page {sent.page} answered the cursor it was asked with (at {p.cursor_path!r}); "
            "following it would never end"
        )
    params = {**sent.params, p.cursor_param: cursor}
    return _sequential(p, sent, params=params, cursor=cursor)


def _follow(
    target: str | None,
    p: NextUrlPaginator | LinkHeaderPaginator,
    sent: PageRequest,
    base_url: str,
) -> NextPages:
    """The walk to an upstream-supplied URL, which must stay where ``base_url`` is."""
    if target is None:
        return NextPages([], pages_total=sent.page)
    url = urljoin(sent.url, target)  # a relative link counts from the page that gave it
    if origin(url) != origin(base_url):
        raise PaginationError(
            f"the next page is on {origin_text(url)}, not on base_url's "
            f"{origin_text(base_url)}: a {p.type} walk stays on its API"
        )
    if with_query(url, {}) == with_query(sent.url, sent.params):
        raise PaginationError(f"page {sent.page} links to itself as the next page")
    return _sequential(p, sent, url=url, params={})


def _fan_out(
    p: OffsetPaginator | PageNumberPaginator, sent: PageRequest, param: str, values: range
) -> NextPages:
    """One request per value of ``param``; counted before any is built (a total may be huge)."""
    total = sent.page + len(values)
    if total > p.max_pages:
        raise PaginationError(
            f"the list has {total} pages, more than paginator.max_pages={p.max_pages}; "
            "nothing was fanned out"
        )
    requests = [
        replace(sent, params={**sent.params, param: str(value)}, page=sent.page + i, fanned=True)
        for i, value in enumerate(values, start=1)
    ]
    return NextPages(requests, pages_total=total)


def _sequential(
    p: OffsetPaginator
    | PageNumberPaginator
    | CursorPaginator
    | NextUrlPaginator
    | LinkHeaderPaginator,
    sent: PageRequest,
    *,
    params: dict[str, str],
    url: str | None = None,
    cursor: str | None = None,
) -> NextPages:
    if sent.page >= p.max_pages:
        raise PaginationError(
            f"page {sent.page} reached paginator.max_pages={p.max_pages} and the list goes on; "
            "raise max_pages if the list is really that long"
        )
    return NextPages([PageRequest(url or sent.url, params, page=sent.page + 1, cursor=cursor)])


def _whole_number(body: Any, path: str) -> int:
    value = select(body, path)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PageShapeError(f"{path!r} is not a whole number")
    return value


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)
