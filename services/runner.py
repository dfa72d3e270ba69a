"""``item-sync run``: migrate, then start every service as a child process and watch them."""

from __future__ import annotations

import asyncio
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
        subprocess.Popen([sys.executable, "-m", "services.cli", role])  # noqa: S603 - our own CLI
        for role in roles
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
