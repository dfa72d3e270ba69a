"""``GET /items`` and ``GET /items/{id}``."""

from __future__ import annotations

import orjson
from aiohttp import web

from services.api.cache import cached_item, fill_item
from services.api.keys import DB, HTTP_MODELS, LOCAL_CACHE, READ_DB, REDIS, SETTINGS
from services.api.path_ids import parse_item_id
from services.api.query import parse_query
from services.api.responses import raw_json_response
from shared.db.items import ItemFilters, get_item, list_items
from shared.errors import InvalidField, NotFound
from shared.models.http import ItemsPage
from shared.models.item_cursor import ItemCursor, decode_cursor
from shared.models.items import ItemOut, ItemRow
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
    redis = app[REDIS]
    cached, may_fill = await cached_item(redis, item_id)
    if cached is not None:
        local.put(item_id, cached, epoch)
        return cached
    row = await get_item(app[READ_DB], item_id, include_deleted=True)  # shows deleted_at
    if row is None:
        return None
    body = render_item(row)
    if may_fill:
        ttl_ms = int(app[SETTINGS].cache.item_ttl.total_seconds() * 1000)
        if await fill_item(redis, item_id, body, ttl_ms):
            local.put(item_id, body, epoch)
    return body


def render_item(row: ItemRow) -> bytes:
    """The item's fields and its stored payload, spliced in without re-parsing it."""
    fields = ItemOut.from_row(row).model_dump(mode="json")
    fields["payload"] = orjson.Fragment(row.payload_json or "null")
    return orjson.dumps(fields)
