"""``item-sync api``: serve the HTTP API on ``SERVER_PORT`` until stopped."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from services.api.app import create_app
from shared.config import Settings
from shared.runtime.ports import PortInUse, is_address_in_use, next_free_port

log = structlog.get_logger()


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Serve until stopped, then finish in-flight requests."""
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=8.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.server.host, settings.server.port)
        try:
            await site.start()
        except OSError as exc:
            if is_address_in_use(exc):
                port = settings.server.port
                free = next_free_port(settings.server.host, port)
                raise PortInUse(port, "SERVER_PORT", free) from None
            raise
        log.info("api.listening", host=settings.server.host, port=settings.server.port)
        await stop.wait()
    finally:
        await runner.cleanup()
