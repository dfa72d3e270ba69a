"""PokeAPI's origin as a cache sees it: Express ETags, 304s, and the deployed data's hash.

Express (behind PokeAPI) sends a weak ETag ``W/"<length hex>-<sha1 base64, 27 chars>"``
on every answer and answers a matching ``If-None-Match`` with 304 and no body. Every
answer carries ``X-PokeAPI-Hash``, the hash ``/api/v2/meta/`` names, which changes
whenever the stand-in's data does.
"""

from __future__ import annotations

import base64
import hashlib

from aiohttp import web
from aiohttp.typedefs import Handler

from harness.standin.state import STATE_KEY, StandinState

API_PREFIX = "/api/v2/"
DEPLOY_DATE = "2026-01-01T00:00:00.000Z"


def express_etag(body: bytes) -> str:
    """The weak ETag Express computes for ``body``."""
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]  # noqa: S324 - as Express
    return f'W/"{len(body):x}-{digest}"'


def data_hash(state: StandinState) -> str:
    """The hash of the data being served: new for every change, never reused."""
    seed = f"{state.seed}:{state.catalogue.generation}".encode()
    return hashlib.sha1(seed).hexdigest()  # noqa: S324 - a name, not a security measure


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison, as Express and GitHub do: any listed tag equal to ours once ``W/`` is
    dropped."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


async def meta(request: web.Request) -> web.Response:
    """Answer ``GET /api/v2/meta/`` as PokeAPI does."""
    body = {"deploy_date": DEPLOY_DATE, "hash": data_hash(request.app[STATE_KEY]), "tag": None}
    return web.json_response(body)


class EtagCache:
    """ETags of answers already served, valid until the data changes: what PokeAPI's CDN
    keeps, so a revalidation is answered without building the body again."""

    def __init__(self) -> None:
        self._generation = -1
        self._tags: dict[str, str] = {}

    def get(self, generation: int, key: str) -> str | None:
        """The ETag served for ``key`` while the data was at ``generation``."""
        if generation != self._generation:
            self._generation, self._tags = generation, {}
        return self._tags.get(key)

    def put(self, generation: int, key: str, etag: str) -> None:
        """Remember the ETag served for ``key``."""
        if generation == self._generation and len(self._tags) < MAX_CACHED_TAGS:
            self._tags[key] = etag


MAX_CACHED_TAGS = 200_000
ETAGS_KEY = web.AppKey("standin_etags", EtagCache)


def _not_modified(etag: str, signal: str) -> web.Response:
    return web.Response(status=304, headers={"ETag": etag, "X-PokeAPI-Hash": signal})


@web.middleware
async def conditional_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add ETag and X-PokeAPI-Hash to PokeAPI answers; 304 when the client's tag matches."""
    if not request.path.startswith(API_PREFIX):  # OpenWeather sends no validators
        return await handler(request)
    state = request.app[STATE_KEY]
    signal = data_hash(state)
    generation = state.catalogue.generation
    key = f"{request.host} {request.path_qs}"  # bodies name their origin in URLs
    cached = request.app[ETAGS_KEY].get(generation, key)
    if cached is not None and etag_matches(request.headers.get("If-None-Match"), cached):
        return _not_modified(cached, signal)
    response = await handler(request)
    response.headers["X-PokeAPI-Hash"] = signal
    body = response.body if isinstance(response, web.Response) else None
    if response.status != 200 or not isinstance(body, bytes):
        return response
    etag = express_etag(body)
    request.app[ETAGS_KEY].put(generation, key, etag)
    response.headers["ETag"] = etag
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return _not_modified(etag, signal)
    return response


def add_routes(app: web.Application) -> None:
    """Register ``/api/v2/meta/`` and the ETag cache."""
    app[ETAGS_KEY] = EtagCache()
    app.router.add_get("/api/v2/meta{slash:/?}", meta, name="meta")
