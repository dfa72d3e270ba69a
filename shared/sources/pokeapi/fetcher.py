"""PokeAPI's fetching: a list page with every entry's detail, or one detail."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import ClassVar

from shared.config import PokeapiSettings
from shared.errors import JobFailedError, PermanentUpstreamError
from shared.models.commands import Command, DetailCommand, ListCommand
from shared.models.pages import FailedItem, FetchedItem, NotModifiedItem
from shared.sources.base import SourcePage
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional, SignalReading
from shared.sources.fanout import remaining_offsets
from shared.sources.ids import id_from_url
from shared.sources.pokeapi.planner import NAME
from shared.sources.validators import NotModified, Validator


class PokeApiFetcher:
    """Lists ``/pokemon?offset&limit`` and fetches ``/pokemon/{id}/`` for every entry."""

    name: ClassVar[str] = NAME

    def __init__(
        self,
        settings: PokeapiSettings,
        client: UpstreamClient,
        conditional: Conditional | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._details = asyncio.Semaphore(settings.detail_concurrency)
        # Only fetchers hold one (it reads MySQL); without it every request is unconditional.
        self._conditional = conditional if settings.conditional_requests else None
        self._signal_reader = conditional

    async def fetch(self, command: Command) -> SourcePage:
        """A list page with every item's detail, or one item's detail."""
        if isinstance(command, ListCommand):
            signal = await self._read_signal(command)
            if signal.unchanged:
                # Nothing changed upstream since the last sweep: one page ends the job.
                return SourcePage(
                    items=[], pages_total=1, change_signal=signal.value, unchanged_by_signal=True
                )
            try:
                page = await self._fetch_list_page(command)
                return replace(page, change_signal=signal.value)
            except PermanentUpstreamError as exc:
                if not command.fan_out:
                    raise
                # The job's size stays unknown, so this one failed page is the whole job.
                failed = FailedItem(external_id=command.page_key, error=str(exc))
                return SourcePage(items=[], failed=[failed], pages_total=1)
        if isinstance(command, DetailCommand):
            refs: list[tuple[str, str | None]] = [(command.external_id, None)]
            return await self._gather(refs, total=None, send_validators=command.conditional)
        raise PermanentUpstreamError(f"pokemon cannot run a {command.type!r} command")

    async def _read_signal(self, command: ListCommand) -> SignalReading:
        """The change signal, read by the first page of a complete list job only."""
        url = self._settings.signal_url
        if self._signal_reader is None or url is None or not command.fan_out or command.offset:
            return SignalReading(value=None)
        return await self._signal_reader.read_signal(
            url, self._settings.change_signal_field, may_skip=command.conditional
        )

    async def _fetch_list_page(self, command: ListCommand) -> SourcePage:
        url = f"{self._settings.base_url}/pokemon"
        query = {"offset": str(command.offset), "limit": str(command.limit)}
        what = f"pokemon list offset={command.offset}"
        if self._conditional is not None:
            listing = await self._conditional.get_list(
                url, params=query, what=what, send_validators=command.conditional
            )
        else:
            listing = (await self._client.get_document(url, what=what, params=query)).value
        if not isinstance(listing, dict) or not isinstance(listing.get("results"), list):
            raise PermanentUpstreamError(f"{what}: unexpected shape")
        count = listing.get("count") or 0
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise PermanentUpstreamError(f"{what}: count is not a whole number")
        if command.fan_out and count > self._settings.max_items:
            # Fanning out would flood the command stream: nothing of this job is emitted.
            raise JobFailedError(
                f"pokemon list count {count} is above POKEAPI_MAX_ITEMS="
                f"{self._settings.max_items}; nothing was fetched"
            )
        # The upstream may answer more than asked: keep to the page we were given.
        entries = listing["results"][: command.limit]
        refs: list[tuple[str, str | None]] = []
        failed: list[FailedItem] = []
        for entry in entries:
            try:
                refs.append((id_from_url(str(entry["url"])), str(entry.get("name") or "")))
            except (KeyError, TypeError, ValueError) as exc:
                failed.append(FailedItem(external_id=f"?{len(failed)}", error=f"bad entry: {exc}"))
        page = await self._gather(refs, total=count, send_validators=command.conditional)
        follow_ups: list[Command] = []
        pages_total: int | None = None
        if command.fan_out:
            offsets = remaining_offsets(count, command.offset, command.limit)
            follow_ups = [
                ListCommand(offset=offset, limit=command.limit, conditional=command.conditional)
                for offset in offsets
            ]
            pages_total = 1 + len(offsets)
        return SourcePage(
            items=page.items,
            failed=[*failed, *page.failed],
            total=count,
            follow_ups=follow_ups,
            pages_total=pages_total,
            not_modified=page.not_modified,
        )

    async def _gather(
        self, refs: list[tuple[str, str | None]], total: int | None, *, send_validators: bool
    ) -> SourcePage:
        validators: dict[str, Validator] = {}
        if self._conditional is not None:  # one SELECT for the whole page
            ids = [external_id for external_id, _ in refs]
            validators = await self._conditional.item_validators(
                ids, send_validators=send_validators
            )
        # A TaskGroup cancels the page's other requests at the first error (an open
        # breaker, retries exhausted): the whole command is retried later anyway.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(self._detail(ext, name, validators.get(ext)))
                    for ext, name in refs
                ]
        except BaseExceptionGroup as errors:
            raise errors.exceptions[0] from None
        results = [task.result() for task in tasks]
        return SourcePage(
            items=[r for r in results if isinstance(r, FetchedItem)],
            failed=[r for r in results if isinstance(r, FailedItem)],
            not_modified=[r for r in results if isinstance(r, NotModifiedItem)],
            total=total,
        )

    async def _detail(
        self, external_id: str, listed_name: str | None, validator: Validator | None
    ) -> FetchedItem | FailedItem | NotModifiedItem:
        # Built from our base URL and the id: never follow an upstream-supplied URL.
        url = f"{self._settings.base_url}/pokemon/{external_id}/"
        async with self._details:
            try:
                document = await self._client.get_if_changed(
                    url, what=f"pokemon detail {external_id}", whole=False, validator=validator
                )
            except PermanentUpstreamError as exc:
                return FailedItem(external_id=external_id, error=str(exc))
        if isinstance(document, NotModified) and validator is not None:
            return NotModifiedItem(
                external_id=external_id,
                etag=validator.etag,
                last_modified=validator.last_modified,
            )
        if isinstance(document, NotModified):  # unreachable: 304 needs validators sent
            return FailedItem(external_id=external_id, error="HTTP 304 without validators")
        fields = document.value
        if fields is None:
            return FailedItem(external_id=external_id, error="detail is not a JSON object")
        name = fields.get("name") if isinstance(fields.get("name"), str) else listed_name
        sent = document.validator if self._conditional is not None else None
        # Our column holds 255 characters; the payload keeps the full name.
        return FetchedItem(
            external_id=external_id,
            name=str(name or "")[:255],
            content_hash=document.content_hash,
            payload=document.text,
            etag=sent.etag if sent else None,
            last_modified=sent.last_modified if sent else None,
        )
