"""``item-sync api``: serve the HTTP API on ``SERVER_PORT`` until stopped."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from services.api.app import create_app
from shared.config import Settings

log = structlog.get_logger()


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Serve until stopped, then finish in-flight requests."""
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=8.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.server.host, settings.server.port)
        await site.start()
        log.info("api.listening", host=settings.server.host, port=settings.server.port)
        await stop.wait()
    finally:
        await runner.cleanup()
