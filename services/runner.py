"""``item-sync run``: migrate, then start every service as a child process and watch them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from shared.config import Settings
from shared.db.migrate import migrate

STOP_GRACE_S = 15.0


def run_all(settings: Settings, *, fetchers: int, writers: int) -> int:
    """Run api, scheduler, fetchers and writers until a signal or a child exits."""
    asyncio.run(migrate(settings.database))
    roles = ["api", "scheduler", *["fetcher"] * fetchers, *["writer"] * writers]
    children = [
        subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "services.cli", role],
            env={**os.environ, "METRICS_PORT": str(port)},
        )
        for role, port in zip(roles, child_metrics_ports(roles, settings.metrics.port), strict=True)
    ]
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    exit_code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                exit_code = child.returncode or 1
                stopping = True
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code


def child_metrics_ports(roles: list[str], base: int) -> list[int]:
    """Each worker's ``METRICS_PORT`` on one host: base, base + 1, ...; 0 stays off.

    The API serves ``/metrics`` on ``SERVER_PORT`` and takes none of them.
    """
    ports: list[int] = []
    workers = 0
    for role in roles:
        if role == "api" or base == 0:
            ports.append(0)
            continue
        ports.append(base + workers)
        workers += 1
    return ports
