"""Conditional requests for a source: stored validators out, 304s in, and the change signal.

A 304 only ever stands for a body MySQL holds: validators are read from stored rows
(live items, stored list answers), so an item without a row is fetched in full.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

import orjson
import pymysql
import structlog

from shared.db.background import in_background
from shared.db.validators import StoredAnswer, ValidatorStore
from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.resilience.retry import is_connection_error, is_lock_conflict
from shared.sources.client import UpstreamClient
from shared.sources.declared.paths import find
from shared.sources.validators import NotModified, Validator
from shared.values.clock import utc_now

log = structlog.get_logger()

MAX_SIGNAL_CHARS = 191  # the width of sync_jobs.change_signal
MYSQL_WAIT_S = 10.0  # a read or save longer than this is given up: MySQL counts as down
T = TypeVar("T")


@dataclass(frozen=True)
class SignalReading:
    """The source's change signal now, and whether it lets the job end without a sweep."""

    value: str | None
    unchanged: bool = False


@dataclass(frozen=True)
class ListAnswer:
    """A list page's parsed body and its ``Link`` header, fresh or confirmed by a 304.

    ``link_stored``: a 304 without a ``Link`` of its own, so ``link`` is what was kept
    with the stored answer. Its validators cover the body, not the headers, so a kept
    link that names no next page may be out of date (the list grew a page past it).
    """

    body: Any
    link: str | None = None
    link_stored: bool = False
    # A fresh answer's save, still running: its command awaits it once the page is out, so
    # the write overlaps the page's own work (a link walk waits for each page).
    saving: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class Conditional:
    """One source's conditional requests: validators from MySQL, sent through its client."""

    source: str
    client: UpstreamClient
    store: ValidatorStore
    full_sweep_interval: timedelta
    list_answer_retention: timedelta  # a stored list answer unused this long is dropped

    async def get_list(
        self,
        url: str,
        *,
        params: dict[str, str],
        what: str,
        send_validators: bool,
        secret_params: dict[str, str] | None = None,
        keep_link: Callable[[str | None], str | None] | None = None,
    ) -> ListAnswer:
        """The parsed list answer; on a 304, the stored answer it confirmed.

        ``secret_params`` (an API key in the query) are sent but kept out of the stored key.
        ``keep_link`` turns the answer's ``Link`` header into what is stored with it (without
        it, nothing): the walk's next link, never an auth parameter.
        """
        key = f"{url}?{'&'.join(f'{name}={value}' for name, value in sorted(params.items()))}"
        params = {**params, **(secret_params or {})}
        stored = None
        if send_validators:
            stored = await _or_none(self.store.list_answer(self.source, key), "list_answer")
        answer = await self.client.get_if_changed(
            url, what=what, params=params, validator=stored.validator if stored else None
        )
        if isinstance(answer, NotModified):
            if stored is None:  # unreachable: only a request with validators gets a 304 back
                raise PermanentUpstreamError(f"{what}: HTTP 304 to an unconditional request")
            body = orjson.loads(stored.text)
            self._mark_used(key, stored)
            if answer.link is not None:  # the 304's own header is the current one
                return ListAnswer(body, answer.link)
            return ListAnswer(body, stored.link, link_stored=True)
        saving = None
        if answer.validator is not None:
            save = self.store.save_list_answer(
                self.source,
                key,
                answer.validator,
                answer.text,
                keep_link(answer.link) if keep_link else None,
            )
            saving = in_background(_saved(save))
        return ListAnswer(answer.value, answer.link, saving=saving)

    def _mark_used(self, key: str, stored: StoredAnswer) -> None:
        """Keep the confirmed answer from being dropped as unused, beside the page's own work.

        A mark newer than ``skip`` is not written again. An answer's next use may come a
        whole sweep interval later (an unchanged signal asks for no page in between), so
        ``skip`` plus that interval stays inside the retention.
        """
        retention, sweeps = self.list_answer_retention, self.full_sweep_interval
        skip = min(retention / 8, (retention - sweeps) / 2)
        if stored.used_at is not None and utc_now() - stored.used_at < skip:
            return
        in_background(_saved(self.store.confirm_list_answer(self.source, key), "confirm"))

    async def item_validators(
        self, external_ids: list[str], *, send_validators: bool
    ) -> dict[str, Validator]:
        """The validators to send for these items (none for a forced sync)."""
        if not send_validators or not external_ids:
            return {}
        found = await _or_none(self.store.item_validators(self.source, external_ids), "items")
        return found or {}

    async def read_signal(
        self,
        url: str,
        field: str,
        *,
        may_skip: bool,
        credentials: bool,
        params: dict[str, str] | None = None,
    ) -> SignalReading:
        """Read the change signal at the path ``field`` of the answer; ``unchanged`` when it
        matches the last sweep's, which is recent enough. A signal that cannot be read (an
        error status, no JSON, nothing usable at the path) means a sweep, never a failed job.

        ``credentials=False`` sends none of the source's headers (another host's signal);
        ``params`` (the auth's query key) is sent but never logged or stored.
        """
        client = self.client if credentials else replace(self.client, headers=None)
        try:
            document = await client.get_document(
                url, what=f"{self.source} change signal", params=params or None
            )
        except (PermanentUpstreamError, TransientUpstreamError) as exc:
            log.warning("change_signal.unreadable", error=str(exc))
            return SignalReading(value=None)
        raw = find(document.value, field)  # a path into the answer, as records and ids are
        if isinstance(raw, bool) or not isinstance(raw, str | int) or str(raw) == "":
            log.warning("change_signal.missing", field=field)
            return SignalReading(value=None)
        value = str(raw)[:MAX_SIGNAL_CHARS]
        if not may_skip:
            return SignalReading(value=value)
        last = await _or_none(self.store.last_sweep(self.source), "last_sweep")
        fresh = last is not None and utc_now() - last.started_at < self.full_sweep_interval
        unchanged = fresh and last is not None and last.change_signal == value
        log.info("change_signal.read", signal=value, unchanged=unchanged, sweep_recent=fresh)
        return SignalReading(value=value, unchanged=unchanged)


async def _saved(save: Awaitable[None], what: str = "save_list_answer") -> None:
    """A list answer's save (or its mark of use). It is a cache write: whatever stops it
    costs a later sync a full answer and never loses data, so it never fails a page."""
    try:
        await _or_none(save, what)
    except Exception as exc:  # e.g. the pool closed at shutdown
        log.error("list_answer.save_failed", write=what, error=f"{type(exc).__name__}: {exc}")


async def _or_none(read: Awaitable[T], what: str) -> T | None:
    """The store's answer, or None while MySQL is unreachable: then the request goes
    out unconditionally (a sweep, a full body), which costs more but is never wrong.

    Only a server or connection that fails (or does not answer in ``MYSQL_WAIT_S``) is
    waited out this way: an error in the statement itself is a defect and is raised.
    """
    try:
        async with asyncio.timeout(MYSQL_WAIT_S):  # aiomysql drops a cancelled connection
            return await read
    except (pymysql.err.Error, OSError) as exc:
        if not (is_connection_error(exc) or is_lock_conflict(exc)):
            raise
        log.warning("validators.unavailable", op=what, error=f"{type(exc).__name__}: {exc}")
        return None
