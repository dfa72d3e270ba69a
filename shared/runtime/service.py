"""Running one service process: logging, SIGTERM/SIGINT as a stop event, asyncio.run."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import structlog

from shared.config import Settings
from shared.observability.logging import configure_logging

ServiceMain = Callable[[Settings, asyncio.Event], Awaitable[None]]

log = structlog.get_logger()


def run_service(name: str, main: ServiceMain, settings: Settings) -> None:
    """Run ``main`` until it returns; the first signal asks it to stop, a second forces exit."""
    configure_logging(
        service=name,
        level=settings.log.level,
        fmt=settings.log.format,
        secrets=settings.secret_values(),
    )
    asyncio.run(_supervise(name, main, settings))


async def _supervise(name: str, main: ServiceMain, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def _on_signal(signum: int) -> None:
        if stop.is_set() and task is not None:
            task.cancel()  # second signal: stop waiting for the work in hand
            return
        stop.set()  # before logging: stopping must not depend on the log reaching anyone
        log.info("service.stopping", signal=signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _on_signal, signum)
    log.info("service.started")
    await main(settings, stop)
    log.info("service.stopped")
