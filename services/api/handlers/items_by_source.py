"""``GET /sources/{source}/items/{external_id}``: one item by its upstream id.

The same answer as ``GET /items/{id}``, from the same caches: the id is resolved
once from the unique key and remembered, since an item keeps its id.
"""

from __future__ import annotations

from aiohttp import web

from services.api.handlers.items import item_answer
from services.api.keys import HTTP_MODELS, ITEM_IDS, READ_DB
from services.api.responses import raw_json_response
from shared.db.items import find_item_id
from shared.errors import InvalidRequest, NotFound

MAX_EXTERNAL_ID_CHARS = 191  # the column's length


async def get_item_by_source(request: web.Request) -> web.Response:
    """One item of a source by its upstream id, with its payload (a deleted one too)."""
    source = request.match_info["source"]
    external_id = request.match_info["external_id"]
    if source not in request.app[HTTP_MODELS].sources:
        raise NotFound(f"no source {source!r} is served here")
    _check_external_id(external_id)
    directory = request.app[ITEM_IDS]
    remembered = directory.get(source, external_id)
    if remembered is not None:
        body = await item_answer(request.app, remembered)
        if body is not None:
            return raw_json_response(body)
        directory.forget(source, external_id)  # the row was removed by hand: look again
    item_id = await find_item_id(request.app[READ_DB], source, external_id)
    body = None if item_id is None else await item_answer(request.app, item_id)
    if item_id is None or body is None:
        raise NotFound(f"no {source} item with external id {external_id!r}")
    directory.put(source, external_id, item_id)
    return raw_json_response(body)


def _check_external_id(external_id: str) -> None:
    if not 0 < len(external_id) <= MAX_EXTERNAL_ID_CHARS:
        raise InvalidRequest(
            f"external_id must be 1 to {MAX_EXTERNAL_ID_CHARS} characters", field="external_id"
        )
    try:
        external_id.encode()
    except UnicodeEncodeError as exc:  # lone surrogates from a percent-escape of bad UTF-8
        raise InvalidRequest("external_id must be valid UTF-8", field="external_id") from exc
