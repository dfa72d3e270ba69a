"""The one generic HTTP source: a definition says what to request and how to read it.

A ``PageCommand`` is one list page. Its answer gives records (ids, names, optional
details), and ``next_pages`` says what follows: every other page at once when the
total is known (the first page returns them as follow-ups with ``pages_total``), or the
one next page, emitted by this fetcher after it fetched this one (a sequential walk;
the last page tells the walk's size). A ``DetailCommand`` fetches one item by id.
Requests go to ``base_url``'s host only, with the auth set on every one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from shared.errors import JobFailedError, PermanentUpstreamError
from shared.models.commands import Command, DetailCommand, PageCommand, walk_end
from shared.models.pages import FailedItem, FetchedItem, NotModifiedItem
from shared.sources.base import SourcePage
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional, ListAnswer, SignalReading
from shared.sources.declared.details import DetailRef, Details
from shared.sources.declared.incremental import latest_cursor
from shared.sources.declared.items import document_item, record_item
from shared.sources.declared.links import next_link, next_link_only, origin, without_params
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.pagination import PageAnswer, PageRequest, next_pages
from shared.sources.declared.paginators import (
    LinkHeaderPaginator,
    OffsetPaginator,
    SinglePaginator,
)
from shared.sources.declared.paths import find
from shared.sources.declared.records import detail_path, extract_records, record_id, record_name
from shared.sources.declared.refusals import job_failure, missing_secret
from shared.sources.documents import JsonDocument


@dataclass(frozen=True)
class _Answer:
    """A list page's parsed body, its ``Link`` header, and the document when it came in
    full without conditional requests."""

    body: Any
    document: JsonDocument | None
    link: str | None = None
    saving: asyncio.Task[None] | None = None  # the answer's save, perhaps still running


class DeclaredFetcher:
    """Fetches the commands of one declared source."""

    def __init__(
        self,
        definition: SourceDefinition,
        client: UpstreamClient,
        conditional: Conditional | None = None,
        *,
        secret_hint: str | None = None,
    ) -> None:
        self.definition = definition
        self.name = definition.name
        self._client = client
        # Only fetchers hold one (it reads MySQL); without it every request is unconditional.
        self._conditional = conditional if definition.conditional else None
        self._signal_reader = conditional
        self._query = definition.auth.query()
        self._refusal = missing_secret(definition, secret_hint)
        self._details = Details(
            definition=definition,
            client=client,
            conditional=self._conditional,
            in_flight=asyncio.Semaphore(definition.concurrency),
            query=self._query,
        )

    async def fetch(self, command: Command) -> SourcePage:
        """One list page (with its records' details), or one item by id."""
        if self._refusal is not None:
            raise JobFailedError(self._refusal)
        if isinstance(command, PageCommand):
            return await self._list_page(command)
        if isinstance(command, DetailCommand):
            return await self._detail(command)
        raise PermanentUpstreamError(f"{self.name} cannot run a {command.type!r} command")

    async def _list_page(self, command: PageCommand) -> SourcePage:
        signal = await self._read_signal(command)
        if signal.unchanged:
            # Nothing changed upstream since the last sweep: one page ends the job.
            return _ending_walk(
                command,
                SourcePage(
                    items=[], pages_total=1, change_signal=signal.value, unchanged_by_signal=True
                ),
            )
        try:
            page = await self._walk_one(command)
        except JobFailedError:
            raise
        except PermanentUpstreamError as exc:
            if exc.action == "job_failed":
                raise job_failure(self.definition, exc) from exc
            if exc.action == "ignore":  # the page holds nothing, and the walk ends here
                return _ending_walk(
                    command,
                    SourcePage(items=[], pages_total=self._walk_total(command, command.page)),
                )
            # The page failed; a walk ends with it (its size is then known to be this far).
            failed = FailedItem(external_id=command.for_each or command.page_key, error=str(exc))
            return _ending_walk(
                command,
                SourcePage(
                    items=[], failed=[failed], pages_total=self._walk_total(command, command.page)
                ),
            )
        return SourcePage(
            items=page.items,
            failed=page.failed,
            not_modified=page.not_modified,
            total=page.total,
            follow_ups=page.follow_ups,
            pages_total=page.pages_total,
            pages_added=page.pages_added,
            walk_ended=page.walk_ended,
            change_signal=signal.value,
            cursor=page.cursor,
            incremental=command.incremental,
            saving=page.saving,
        )

    async def _walk_one(self, command: PageCommand) -> SourcePage:
        answer = await self._get_list(command)
        try:
            page = await self._page_of(command, answer)
        except BaseException:
            if answer.saving is not None:
                await answer.saving  # never left running with no one to wait for it
            raise
        # The save runs on beside the page's records, details and publishing.
        return replace(page, saving=answer.saving)

    async def _page_of(self, command: PageCommand, answer: _Answer) -> SourcePage:
        spec = self.definition.list_
        records = extract_records(answer.body, spec.records)
        paginator = spec.paginator
        if isinstance(paginator, OffsetPaginator):
            # The upstream may answer more than asked: keep to the page we were given.
            records = records[: int(command.params.get(paginator.limit_param, paginator.limit))]
        sent = PageRequest(
            url=command.url,
            params=command.params,
            page=command.page,
            cursor=command.cursor,
            fanned=command.fanned,
        )
        headers = {"link": answer.link} if answer.link else {}
        # Before any detail: a walk that cannot end well fails the job at once.
        nxt = next_pages(
            paginator,
            sent,
            PageAnswer(body=answer.body, headers=headers, records=len(records)),
            base_url=self.definition.base_url,
        )
        cursor = None
        if self.definition.incremental is not None:
            cursor = latest_cursor(records, self.definition.incremental.cursor_field)
        page = await self._items(records, answer, send_validators=command.conditional)
        follow_ups: list[Command] = [self._follow_up(command, request) for request in nxt.requests]
        total = _total(answer.body, paginator)
        ended = walk_end(command, follow_ups)
        return SourcePage(
            items=page.items,
            failed=page.failed,
            not_modified=page.not_modified,
            total=total,
            follow_ups=follow_ups,
            pages_total=self._walk_total(command, nxt.pages_total),
            # A for_each job counts each value's first page as it opens; the page that
            # ends a walk adds its other pages (see ``walk_end``).
            pages_added=ended or 0,
            walk_ended=ended is not None,
            cursor=cursor,
        )

    async def _items(
        self, records: list[Any], answer: _Answer, *, send_validators: bool
    ) -> SourcePage:
        spec = self.definition.list_
        named = [(record_id(r, spec.id), record_name(r, spec.name), r) for r in records]
        if self.definition.detail is None:
            whole = answer.document is not None and spec.records == "$"
            items = [
                document_item(ext, name, answer.document, None)
                if whole and answer.document is not None and isinstance(answer.body, dict)
                else record_item(ext, name, record)
                for ext, name, record in named
            ]
            return SourcePage(items=items)
        template = self.definition.detail.path
        refs = [
            DetailRef(ext, name, detail_path(template, item_id=ext, record=record))
            for ext, name, record in named
        ]
        return _sorted(await self._details.fetch_all(refs, send_validators=send_validators))

    async def _detail(self, command: DetailCommand) -> SourcePage:
        if self.definition.detail is None:
            raise PermanentUpstreamError(f"{self.name} has no detail request")
        path = detail_path(self.definition.detail.path, item_id=command.external_id)
        refs = [DetailRef(command.external_id, "", path)]
        return _sorted(await self._details.fetch_all(refs, send_validators=command.conditional))

    async def _get_list(self, command: PageCommand) -> _Answer:
        url = self._on_our_host(command.url)
        # ``what`` names the call in errors, never the URL: it may hold a key.
        what = f"{self.name} list"
        if command.for_each is not None:
            what += f" {command.for_each!r}"
        if not isinstance(self.definition.list_.paginator, SinglePaginator):
            what += f" page {command.page}"
        if self._conditional is not None:
            return await self._get_if_changed(self._conditional, command, url, what)
        params = {**command.params, **self._query}
        document = await self._client.get_document(url, what=what, params=params)
        return _Answer(body=document.value, document=document, link=document.link)

    async def _get_if_changed(
        self, conditional: Conditional, command: PageCommand, url: str, what: str
    ) -> _Answer:
        """The page through its stored validators: a 304 is the stored answer."""
        link_walk = isinstance(self.definition.list_.paginator, LinkHeaderPaginator)
        keep = self._next_link_only if link_walk else None  # a body-led walk needs no header

        async def get(send_validators: bool) -> ListAnswer:
            return await conditional.get_list(
                url,
                params=command.params,
                what=what,
                send_validators=send_validators,
                secret_params=self._query,
                keep_link=keep,
            )

        answer = await get(command.conditional)
        if link_walk and answer.link_stored and next_link(answer.link or "") is None:
            # A 304 confirms the body, not the Link header: the kept answer ended the walk,
            # but the list may have grown a page past it since. Only a full answer tells.
            answer = await get(False)
        return _Answer(body=answer.body, document=None, link=answer.link, saving=answer.saving)

    def _next_link_only(self, link: str | None) -> str | None:
        # A key the upstream echoes in its links must never be stored.
        return next_link_only(link, drop=set(self._query))

    def _on_our_host(self, url: str) -> str:
        """The URL without the auth's query parameters (they are set, not appended); never
        a URL off ``base_url``'s scheme, host and port."""
        if origin(url) != origin(self.definition.base_url):
            raise PermanentUpstreamError(f"{self.name}: a page URL is off base_url's host")
        return without_params(url, set(self._query))

    def _follow_up(self, command: PageCommand, request: PageRequest) -> PageCommand:
        # An upstream next URL may echo a key given in the query: never put it on a stream.
        return PageCommand(
            url=without_params(request.url, set(self._query)),
            params={k: v for k, v in request.params.items() if k not in self._query},
            page=request.page,
            cursor=request.cursor,
            fanned=request.fanned,
            for_each=command.for_each,
            incremental=command.incremental,
            conditional=command.conditional,
        )

    def _walk_total(self, command: PageCommand, pages: int | None) -> int | None:
        """A walk's size is the job's page count only for one walk that is not planned
        page by page (one request per for_each value is counted when the job opens)."""
        single = isinstance(self.definition.list_.paginator, SinglePaginator)
        if single or command.for_each is not None or command.fanned:
            return None
        return pages

    async def _read_signal(self, command: PageCommand) -> SignalReading:
        """The change signal, read by the first page of a complete list job only."""
        signal = self.definition.change_signal
        url = signal.signal_url(self.definition.base_url) if signal else None
        paginator = self.definition.list_.paginator
        from_start = not isinstance(paginator, OffsetPaginator) or (
            command.params.get(paginator.offset_param, "0") == "0"
        )
        first = command.fan_out and command.page == 1 and from_start
        if self._signal_reader is None or signal is None or url is None or not first:
            return SignalReading(value=None)
        # The source's headers and auth go to its own API only, never to another host.
        own_api = origin(url) == origin(self.definition.base_url)
        return await self._signal_reader.read_signal(
            url,
            signal.field,
            may_skip=command.conditional,
            credentials=own_api,
            params=self._query if own_api else None,
        )


def _ending_walk(command: PageCommand, page: SourcePage) -> SourcePage:
    """``page``, the last of its for_each walk: it leads on to nothing."""
    ended = walk_end(command)
    return replace(page, pages_added=ended or 0, walk_ended=ended is not None)


def _sorted(results: list[Any]) -> SourcePage:
    return SourcePage(
        items=[r for r in results if isinstance(r, FetchedItem)],
        failed=[r for r in results if isinstance(r, FailedItem)],
        not_modified=[r for r in results if isinstance(r, NotModifiedItem)],
    )


def _total(body: Any, paginator: Any) -> int | None:
    """Upstream's count, where the offset paginator names one."""
    if isinstance(paginator, OffsetPaginator) and paginator.total is not None:
        value = find(body, paginator.total)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None
