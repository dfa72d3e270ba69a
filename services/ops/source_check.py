"""``item-sync sources check NAME``: one real request per step, and what a sync would store.

The first list page is fetched by the generic fetcher the pipeline runs, with the same
client, headers, auth and status table; then, when the definition has ``detail``, one
detail of the page's first record. Nothing is written: no MySQL (no stored validators,
no incremental cursor: the first sync's request is sent), no stream, and no Redis (the
command's breaker is its own, and its two requests take nothing from the source's
budget). Every printed line goes through the redaction, so no auth value is shown.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from urllib.parse import urlencode

import aiohttp

from shared.config import RetrySettings
from shared.errors import ItemSyncError
from shared.models.commands import PageCommand
from shared.models.pages import FailedItem, FetchedItem
from shared.models.spec import SyncSpec
from shared.observability.redaction import MASK, redact, register_secrets
from shared.resilience.guard import UnsharedBreaker
from shared.sources.base import SourcePage
from shared.sources.client import UpstreamClient
from shared.sources.declared import SourceDefinition, detail_path
from shared.sources.declared.details import DetailRef, Details
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.registry import declared_headers

SHOWN = 5  # records printed from the first page
HASH_CHARS = 16
USER_AGENT = "item-sync/0.1"  # as the fetchers send it: some APIs (GitHub's) require one

Print = Callable[[str], None]


def run_check(
    definition: SourceDefinition,
    retry: RetrySettings,
    *,
    hint: str | None = None,
    out: Print = print,
) -> int:
    """Fetch the first list page (and one detail) of ``definition``; 0 when both answered.

    ``hint`` says where a blank auth value is set, as a job's error says it.
    """
    register_secrets(definition.secret_values())

    def say(line: str) -> None:
        out(redact(line))

    try:
        asyncio.run(_check(definition, retry, say, hint))
    except ItemSyncError as exc:
        print(redact(f"error: {exc}"), file=sys.stderr)
        return 1
    say(f"ok: {definition.name} answered as its definition says; nothing was stored")
    return 0


async def _check(
    definition: SourceDefinition, retry: RetrySettings, say: Print, hint: str | None
) -> None:
    async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as session:
        client = UpstreamClient(
            source=definition.name,
            session=session,
            breaker=UnsharedBreaker(),
            retry=retry,
            timeout_s=definition.timeout.total_seconds(),
            headers=declared_headers(definition) or None,
            actions=definition.error_action,
        )
        # The list page alone: with detail, the fetcher would request every record's.
        listing = definition.model_copy(update={"detail": None})
        first = _first_command(listing, say)
        say(f"list: GET {_url(first)}")
        sent = _sent_with(definition)
        if sent:
            say(f"  with {sent}")
        page = await DeclaredFetcher(listing, client, secret_hint=hint).fetch(first)
        records = _stored(page, say, detail=definition.detail is not None)
        _say_pagination(page, say)
        if definition.detail is not None and records:
            await _check_detail(definition, client, definition.detail.path, records[0], say)


def _first_command(definition: SourceDefinition, say: Print) -> PageCommand:
    commands = DeclaredPlanner(definition).plan(SyncSpec(source=definition.name))
    first = commands[0]
    if not isinstance(first, PageCommand):
        raise ItemSyncError(f"{definition.name}: a list sync does not start with a page")
    spec = definition.list_
    if spec.for_each is not None:
        values = spec.for_each.value_list()
        name = f"{{{spec.for_each.as_}}}"
        say(
            f"for_each: {_plural(len(values), 'value')} of {name}, one request each; "
            f"checking the first: {values[0]}"
        )
    return first


def _sent_with(definition: SourceDefinition) -> str:
    """The headers and auth parameters every request carries, auth values as ``***``."""
    auth = definition.auth
    secret = {name.lower() for name in auth.headers()}
    headers = [
        f"{name}: {MASK if name.lower() in secret else value}"
        for name, value in declared_headers(definition).items()
    ]
    query = [f"{name}={MASK} in the query" for name in auth.query()]
    return ", ".join([*headers, *query])


def _url(command: PageCommand) -> str:
    query = urlencode(command.params)
    return f"{command.url}{'&' if '?' in command.url else '?'}{query}" if query else command.url


def _stored(page: SourcePage, say: Print, *, detail: bool) -> list[FetchedItem]:
    """Print what the first records would be stored as; raise when the page failed.

    With ``detail``, a record's stored payload is its detail: only its id and name show.
    """
    if page.failed:
        raise _Failed("the first list page", page.failed[0])
    count = len(page.items)
    records = _plural(count, "record") + " on the first page"
    if not count:
        say("  no records on the first page" + (", so no detail to fetch" if detail else ""))
    elif detail:
        first = f"; the first {SHOWN}" if count > SHOWN else ""
        say(f"  {records} (each stored as its detail){first}:")
    else:
        say(
            f"  {records}; the first {SHOWN} would be stored as:"
            if count > SHOWN
            else f"  {records}, which would be stored as:"
        )
    for item in page.items[:SHOWN]:
        say(f"  id={item.external_id}  name={item.name!r}" if detail else _item_line(item))
    if count > SHOWN:
        say(f"  ... and {count - SHOWN} more")
    if page.cursor is not None:
        say(f"  incremental: the next sync would ask for records changed since {page.cursor}")
    return page.items


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _item_line(item: FetchedItem) -> str:
    size = len(item.payload.encode())
    return (
        f"  id={item.external_id}  name={item.name!r}  payload={size:,} bytes  "
        f"hash={item.content_hash[:HASH_CHARS]}"
    )


def _say_pagination(page: SourcePage, say: Print) -> None:
    total = f"total {page.total} records; " if page.total is not None else ""
    follow = [c for c in page.follow_ups if isinstance(c, PageCommand)]
    if not follow:
        say(f"pagination: {total}this was the only page")
    elif len(follow) == 1 and not follow[0].fanned:
        say(f"pagination: {total}next page (one at a time): {_url(follow[0])}")
    else:
        pages = page.pages_total or len(follow) + 1
        say(f"pagination: {total}{pages} pages; the other {len(follow)} are fetched at once")
        say(f"  next page: {_url(follow[0])}")


async def _check_detail(
    definition: SourceDefinition,
    client: UpstreamClient,
    template: str,
    item: FetchedItem,
    say: Print,
) -> None:
    record = json.loads(item.payload)  # without detail, the payload is the list record
    path = detail_path(template, item_id=item.external_id, record=record)
    say(f"detail: GET {definition.base_url}{path}")
    details = Details(
        definition=definition,
        client=client,
        conditional=None,
        in_flight=asyncio.Semaphore(1),
        query=definition.auth.query(),
    )
    result = await details.fetch_one(DetailRef(item.external_id, item.name, path), None)
    if isinstance(result, FailedItem):
        raise _Failed(f"the detail of {item.external_id!r}", result)
    if not isinstance(result, FetchedItem):
        say("  the errors table ignores this answer: nothing would be stored")
        return
    say("  stored as:")
    say(_item_line(result))


class _Failed(ItemSyncError):
    """A record or page the sync would record as failed: the check fails with it."""

    def __init__(self, what: str, failed: FailedItem) -> None:
        super().__init__(f"{what} failed: {failed.error}")
