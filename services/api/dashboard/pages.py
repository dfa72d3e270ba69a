"""The dashboard page at ``/``, the API docs at ``/docs``, and their assets.

Plain files shipped inside the package (``services/api/static``): no build step,
nothing loaded from another host. Only the files listed here are served, so no
path a client sends can reach anything else on disk.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from shared.errors import NotFound

ASSETS = {
    "dashboard.css": "text/css",
    "dashboard.js": "text/javascript",
    "docs.js": "text/javascript",
}
ASSET_NAMES = frozenset(ASSETS)
_HEADERS = {
    "Cache-Control": "no-cache",
    # Everything comes from this origin; nothing inline, nothing from elsewhere.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def static_dir() -> Path:
    """Where the page and its assets live inside the installed package."""
    return Path(str(resources.files("services.api") / "static"))


async def dashboard_page(_request: web.Request) -> web.StreamResponse:
    """The dashboard."""
    return _file("index.html", "text/html")


async def docs_page(_request: web.Request) -> web.StreamResponse:
    """The API documentation, rendered in the browser from ``/openapi.json``."""
    return _file("docs.html", "text/html")


async def static_asset(request: web.Request) -> web.StreamResponse:
    """One of the listed stylesheets and scripts."""
    name = request.match_info["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        raise NotFound(f"no asset {name!r}")
    return _file(name, content_type)


def _file(name: str, content_type: str) -> web.StreamResponse:
    body = (static_dir() / name).read_bytes()
    return web.Response(body=body, content_type=content_type, charset="utf-8", headers=_HEADERS)
