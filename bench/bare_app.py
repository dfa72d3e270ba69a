"""A bare aiohttp handler answering a fixed item-sized JSON body, the API's reference point.

``python -m bench.bare_app PORT`` serves ``GET /items/{id}`` until SIGTERM.
"""

from __future__ import annotations

import sys

import orjson
from aiohttp import web

from tests.standin.synthetic import synthetic_detail

_BODY = orjson.dumps(
    {"id": 1, "api_source": "pokemon", "external_id": "1", "payload": synthetic_detail(1, 1)}
)


async def item(request: web.Request) -> web.Response:
    """The same bytes for every id."""
    return web.Response(body=_BODY, content_type="application/json")


def main() -> None:
    """Serve on the port given as the only argument."""
    app = web.Application()
    app.router.add_get("/items/{item_id}", item)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
