"""PokeAPI routes: the paginated list and the item details (fixtures README, section 1)."""

from __future__ import annotations

import re

import orjson
from aiohttp import web

from harness.standin.rewrite import origin_of
from harness.standin.state import STATE_KEY

DEFAULT_LIMIT = 20
# What JS parseInt accepts at the start of a string: sign, then hex (0x) or decimal digits.
_PARSE_INT = re.compile(r"\s*([+-]?)(?:0[xX]([0-9a-fA-F]+)|([0-9]+))")


def parse_int(text: str | None) -> int | None:
    """Parse like JavaScript ``parseInt(text)``; None stands for ``NaN``."""
    if text is None:
        return None
    match = _PARSE_INT.match(text)
    if match is None:
        return None
    sign, hex_digits, digits = match.groups()
    value = int(hex_digits, 16) if hex_digits is not None else int(digits)
    return -value if sign == "-" else value


def page_links(base: str, offset: int, limit: int, count: int) -> tuple[str | None, str | None]:
    """Return the ``(next, previous)`` links of a page, as the live API computes them."""
    next_link = None
    begin, end = offset + limit, min(offset + 2 * limit, count)
    if end > begin:
        next_link = f"{base}?offset={begin}&limit={end - begin}"
    previous_link = None
    begin = max(offset - limit, 0)
    if begin < offset:
        previous_link = f"{base}?offset={begin}&limit={offset - begin}"
    return next_link, previous_link


def _json(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


async def list_pokemon(request: web.Request) -> web.Response:
    """Answer ``GET /api/v2/pokemon[/]?limit=L&offset=O`` with one page of the list."""
    catalogue = request.app[STATE_KEY].catalogue
    # ``parseInt(x) || default``: NaN and 0 both fall back.
    offset = parse_int(request.query.get("offset")) or 0
    limit = parse_int(request.query.get("limit")) or DEFAULT_LIMIT
    origin = origin_of(request)
    next_link, previous_link = page_links(origin + request.path, offset, limit, catalogue.count)
    page = {  # the live API's key order
        "count": catalogue.count,
        "next": next_link,
        "previous": previous_link,
        "results": [
            {"name": name, "url": f"{origin}/api/v2/pokemon/{item_id}/"}
            for item_id, name in catalogue.page(offset, limit)
        ],
    }
    return _json(orjson.dumps(page))


async def pokemon_detail(request: web.Request) -> web.Response:
    """Answer ``GET /api/v2/pokemon/{id or name}[/]`` with the item's detail."""
    catalogue = request.app[STATE_KEY].catalogue
    body = catalogue.detail_bytes(request.match_info["key"], origin_of(request))
    if body is None:
        # Express ``sendStatus(404)``: a plain-text body, not JSON.
        return web.Response(
            status=404, text="Not Found", content_type="text/plain", charset="utf-8"
        )
    return _json(body)


def add_routes(app: web.Application) -> None:
    """Register the PokeAPI routes; the names are the ``by_kind`` counters."""
    # ``{slash:/?}`` serves both spellings from one route, so each kind has one route name.
    app.router.add_get("/api/v2/pokemon{slash:/?}", list_pokemon, name="list")
    app.router.add_get("/api/v2/pokemon/{key:[^/]+}{slash:/?}", pokemon_detail, name="detail")
