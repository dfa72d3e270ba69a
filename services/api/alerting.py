"""Running the alerter inside each API process when ``ALERT_WEBHOOK_URLS`` is set.

Every API process joins the ``alerters`` group, so alerts keep flowing while any
API runs, and each alert is still sent by only one of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from services.api.keys import REDIS, SETTINGS
from shared.alerts import AlertLoop

STOP_WAIT_S = 5.0


async def alerts_lifespan(app: web.Application) -> AsyncIterator[None]:
    """Start the alerter with the app; stop it on clean-up. Nothing runs without URLs."""
    settings = app[SETTINGS]
    urls = settings.alert.urls
    if not urls:
        yield
        return
    async with aiohttp.ClientSession() as session:
        loop = AlertLoop(
            redis=app[REDIS],
            session=session,
            urls=urls,
            consumer=f"api-{socket.gethostname()}-{os.getpid()}",
            timeout_s=settings.alert.timeout.total_seconds(),
            block_ms=min(2000, int(settings.stream.block.total_seconds() * 1000)),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(loop.run_until(stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout=STOP_WAIT_S)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
