"""``GET /items`` and ``GET /items/{id}``."""

from __future__ import annotations

import orjson
from aiohttp import web

from services.api.cache import cached_item, fill_item
from services.api.keys import DB, HTTP_MODELS, LOCAL_CACHE, REDIS, SETTINGS
from services.api.path_ids import parse_item_id
from services.api.query import parse_query
from services.api.responses import json_response, raw_json_response
from shared.db.items import get_item, list_items
from shared.errors import NotFound
from shared.models.http import MAX_ID, ItemsPage
from shared.models.items import ItemOut, ItemRow

MAX_ITEM_ID = MAX_ID


async def get_items(request: web.Request) -> web.Response:
    """One page of items without payloads, and the total."""
    query = parse_query(request, request.app[HTTP_MODELS].items_query)
    rows, total = await list_items(
        request.app[DB],
        api_source=query.api_source,
        limit=query.limit,
        offset=query.offset,
        include_deleted=query.include_deleted,
    )
    page = ItemsPage(
        items=[ItemOut.from_row(row) for row in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(page)


async def get_item_by_id(request: web.Request) -> web.Response:
    """One item with its payload (a deleted one too), served from the cache when it is there."""
    item_id = parse_item_id(request.match_info["id"])
    local = request.app[LOCAL_CACHE]
    kept = local.get(item_id)
    if kept is not None:
        return raw_json_response(kept)
    epoch = local.epoch  # before any read: a change announced meanwhile voids the answer
    redis = request.app[REDIS]
    cached, may_fill = await cached_item(redis, item_id)
    if cached is not None:
        local.put(item_id, cached, epoch)
        return raw_json_response(cached)
    row = await get_item(request.app[DB], item_id, include_deleted=True)  # shows deleted_at
    if row is None:
        raise NotFound(f"no item with id {item_id}")
    body = render_item(row)
    if may_fill:
        ttl_ms = int(request.app[SETTINGS].cache.item_ttl.total_seconds() * 1000)
        if await fill_item(redis, item_id, body, ttl_ms):
            local.put(item_id, body, epoch)
    return raw_json_response(body)


def render_item(row: ItemRow) -> bytes:
    """The item's fields and its stored payload, spliced in without re-parsing it."""
    fields = ItemOut.from_row(row).model_dump(mode="json")
    fields["payload"] = orjson.Fragment(row.payload_json or "null")
    return orjson.dumps(fields)
