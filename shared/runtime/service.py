"""Running one service process: logging, SIGTERM/SIGINT as a stop event, asyncio.run."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import structlog

from shared.config import Settings
from shared.observability.logging import configure_logging
from shared.runtime.parent import (
    PARENT_GONE_SIGNAL,
    signal_on_parent_death,
    supervising_parent,
    watch_parent,
)

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
    watcher = _stop_with_parent(stop)
    log.info("service.started")
    try:
        await main(settings, stop)
    finally:
        if watcher is not None:
            watcher.cancel()
    log.info("service.stopped")


def _stop_with_parent(stop: asyncio.Event) -> asyncio.Task[None] | None:
    """Under ``item-sync run``: stop as on a first SIGTERM once the runner is gone."""
    parent = supervising_parent()
    if parent is None:
        return None

    def _on_parent_gone() -> None:
        if not stop.is_set():  # the first word of it, from the kernel or the watch
            stop.set()
            log.warning("service.stopping", reason="parent gone", parent_pid=parent)

    asyncio.get_running_loop().add_signal_handler(PARENT_GONE_SIGNAL, _on_parent_gone)
    signal_on_parent_death()
    # Also covers a parent that died before the kernel was asked, and platforms without it.
    return asyncio.create_task(watch_parent(parent, _on_parent_gone, stop))
