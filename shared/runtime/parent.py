"""A child of ``item-sync run`` stops when its parent dies, however it died.

A ``kill -9`` or an OOM kill of the runner gives it no chance to stop its children,
and they would keep working unsupervised. The runner names itself in
``ITEMSYNC_PARENT_PID``; a service started with it asks the kernel for
``PARENT_GONE_SIGNAL`` when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``) and
also watches its parent pid, which covers other platforms and a parent that died
before the child asked. Either way the service stops as on its first SIGTERM.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable

from shared.resilience.backoff import wait_unless_stopped

PARENT_PID_ENV = "ITEMSYNC_PARENT_PID"
# Not SIGTERM: a parent's death must never count as the second signal that forces an exit.
PARENT_GONE_SIGNAL = signal.SIGHUP
WATCH_EVERY_S = 1.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def parent_env() -> dict[str, str]:
    """What a supervisor adds to its children's environment to be watched by them."""
    return {PARENT_PID_ENV: str(os.getpid())}


def supervising_parent() -> int | None:
    """The pid of the process this one must not outlive, when one started it so."""
    value = os.environ.get(PARENT_PID_ENV, "")
    return int(value) if value.isdigit() else None


def signal_on_parent_death() -> bool:
    """Have the kernel send ``PARENT_GONE_SIGNAL`` when the parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(PARENT_GONE_SIGNAL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


async def watch_parent(parent_pid: int, on_gone: Callable[[], None], stop: asyncio.Event) -> None:
    """Call ``on_gone`` once the parent is gone (this process was re-parented), until stopped."""
    while os.getppid() == parent_pid:
        if await wait_unless_stopped(stop, WATCH_EVERY_S):
            return
    on_gone()
