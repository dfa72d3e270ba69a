"""Bare aiohttp handlers, the API's reference points.

``python -m bench.bare_app PORT [DATABASE]`` serves until SIGTERM:
``GET /items/{id}`` answers a fixed item-sized JSON body; with a database,
``GET /db-items/{id}`` also runs the primary-key SELECT that a cold
``GET /items/{id}`` runs and answers the row's payload.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable

import aiomysql
import orjson
from aiohttp import web

from harness.backends import MYSQL_HOST
from harness.standin.synthetic import synthetic_detail

_BODY = orjson.dumps(
    {"id": 1, "api_source": "pokemon", "external_id": "1", "payload": synthetic_detail(1, 1)}
)
_POOL = web.AppKey("pool", aiomysql.Pool)
_SELECT = (
    "SELECT id, api_source, external_id, name, content_hash, created_at, updated_at,"
    " synced_at, deleted_at, payload FROM items JOIN item_payloads ON item_id = id WHERE id = %s"
)


async def item(request: web.Request) -> web.Response:
    """The same bytes for every id."""
    return web.Response(body=_BODY, content_type="application/json")


async def db_item(request: web.Request) -> web.Response:
    """One primary-key SELECT, its payload as the body."""
    async with request.app[_POOL].acquire() as conn, conn.cursor() as cur:
        await cur.execute(_SELECT, (int(request.match_info["item_id"]),))
        row = await cur.fetchone()
    if row is None:
        raise web.HTTPNotFound
    return web.Response(text=row[9], content_type="application/json")


def _pool_lifespan(database: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifespan(app: web.Application) -> AsyncIterator[None]:
        # The API's pool size, autocommit: nothing but the SELECT per request.
        async with aiomysql.create_pool(
            host=MYSQL_HOST, user="root", password="", db=database, maxsize=32, autocommit=True
        ) as pool:
            app[_POOL] = pool
            yield

    return lifespan


def main() -> None:
    """Serve on the port given as the first argument; the database, if given, as the second."""
    app = web.Application()
    app.router.add_get("/items/{item_id}", item)
    if len(sys.argv) > 2:
        app.cleanup_ctx.append(_pool_lifespan(sys.argv[2]))
        app.router.add_get("/db-items/{item_id}", db_item)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
