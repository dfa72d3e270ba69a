"""``GET /items`` and ``GET /items/{id}``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
from aiohttp import web

from services.api.keys import (
    CACHE_FILLER,
    CACHED_ITEMS,
    DB,
    HTTP_MODELS,
    ITEM_ROWS,
    LOCAL_CACHE,
)
from services.api.path_ids import parse_item_id
from services.api.query import parse_query
from services.api.responses import raw_json_response
from shared.db.items import ITEM_COLUMNS, ItemFilters, list_items
from shared.errors import InvalidField, NotFound
from shared.models.http import ItemsPage
from shared.models.item_cursor import ItemCursor, decode_cursor
from shared.models.items import ItemOut
from shared.models.spec import MAX_ID

MAX_ITEM_ID = MAX_ID


async def get_items(request: web.Request) -> web.Response:
    """One page of items without payloads, the total that match, and the next page's cursor."""
    local = request.app[LOCAL_CACHE]
    kept = local.get_page(request.query_string)
    if kept is not None:
        return raw_json_response(kept)
    epoch = local.epoch  # before reading MySQL: a write announced meanwhile voids the page
    query = parse_query(request, request.app[HTTP_MODELS].items_query)
    after = None if query.after is None else _cursor(query.after)
    filters = ItemFilters(
        api_source=query.api_source,
        include_deleted=query.include_deleted,
        external_id=query.external_id,
        name=query.name,
        name_prefix=query.name_prefix,
        updated_since=query.updated_since,
        changed_in_job=query.changed_in_job,
    )
    listing = await list_items(
        request.app[DB],
        filters,
        sort=query.sort,
        limit=query.limit,
        offset=query.offset,
        after=after,
    )
    page = ItemsPage(
        items=[ItemOut.from_row(row) for row in listing.rows],
        total=listing.total,
        limit=query.limit,
        offset=query.offset,
        next_after=None if listing.next_cursor is None else listing.next_cursor.encode(),
    )
    body = page.model_dump_json().encode()
    local.put_page(request.query_string, body, epoch)
    return raw_json_response(body)


def _cursor(raw: str) -> ItemCursor:
    try:
        return decode_cursor(raw)
    except ValueError as exc:  # the model's pattern already refused it; kept for safety
        raise InvalidField(str(exc), field="after") from exc


async def get_item_by_id(request: web.Request) -> web.Response:
    """One item with its payload (a deleted one too), served from the cache when it is there."""
    body = await item_answer(request.app, parse_item_id(request.match_info["id"]))
    if body is None:
        raise NotFound(f"no item with id {request.match_info['id']}")
    return raw_json_response(body)


async def item_answer(app: web.Application, item_id: int) -> bytes | None:
    """The rendered item from the local copy, Redis or MySQL (filling the caches), or None."""
    local = app[LOCAL_CACHE]
    kept = local.get(item_id)
    if kept is not None:
        return kept
    epoch = local.epoch  # before any read: a change announced meanwhile voids the answer
    cached = await app[CACHED_ITEMS].get(item_id)
    if cached:
        local.put(item_id, cached, epoch)
        return cached
    may_fill = cached is None  # b"" is a writer's marker: the slot is not ours to fill
    read_started = time.monotonic()  # the row is read after this: a fill must meet any marker
    values = await app[ITEM_ROWS].get(item_id)
    if values is None:
        return None
    body = render_item(values)
    if may_fill:  # no writer's marker, so the answer may be kept
        local.put(item_id, body, epoch)
        app[CACHE_FILLER].offer(item_id, body, read_started)
    return body


_JSON_TIMES = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z  # MySQL's naive UTC, as pydantic writes it


def render_item(values: Sequence[Any]) -> bytes:
    """``ItemDetailOut`` from the columns of ``get_items_values``, the stored payload spliced in
    without re-parsing it; no model is built per row on this path.
    """
    fields = dict(zip(ITEM_COLUMNS, values, strict=False))  # the payload comes last
    fields["payload"] = orjson.Fragment(values[len(ITEM_COLUMNS)] or "null")
    return orjson.dumps(fields, option=_JSON_TIMES)
