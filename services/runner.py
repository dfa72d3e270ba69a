"""``item-sync run``: migrate, then start every service as a child process and watch them.

The children write their own lines to the stdout they inherit (each line is
one write, see ``shared.observability.log_sink``). They run in their own process group, so a
Ctrl-C in the terminal reaches only this process, which passes on exactly one
SIGTERM: each child then finishes and hands back the work it holds. A second
signal is passed on too, and makes the children stop waiting for that work. If this
process dies without a word (``kill -9``, an OOM kill), each child sees it and stops
as on that first SIGTERM (``shared.runtime.parent``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import structlog

from shared.config import Settings
from shared.db.migrate import migrate
from shared.observability.logging import configure_logging
from shared.runtime.parent import parent_env

STOP_GRACE_S = 15.0
POLL_S = 0.1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

log = structlog.get_logger()


@dataclass(frozen=True)
class _Child:
    name: str  # role, numbered where a role runs more than once: fetcher-1, fetcher-2
    process: subprocess.Popen[bytes]


def run_all(settings: Settings, *, fetchers: int, writers: int) -> int:
    """Run api, scheduler, fetchers and writers until a signal or a child exits.

    Exit code: 0 when every child stopped cleanly on request; otherwise the first
    failed child's code (1 when it has none, e.g. it had to be killed).
    """
    configure_logging(
        service="runner",
        level=settings.log.level,
        fmt=settings.log.format,
        secrets=settings.secret_values(),
    )
    asyncio.run(migrate(settings.database))
    signals: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, _frame: signals.append(signum))
    children = _start_children(settings, fetchers=fetchers, writers=writers)
    log.info("run.started", children={child.name: child.process.pid for child in children})
    failed = _wait_for_stop(children, signals)
    return failed or _stop_children(children, signals)


def _start_children(settings: Settings, *, fetchers: int, writers: int) -> list[_Child]:
    roles = ["api", "scheduler", *["fetcher"] * fetchers, *["writer"] * writers]
    ports = child_metrics_ports(roles, settings.metrics.port)
    children: list[_Child] = []
    for role, port in zip(roles, ports, strict=True):
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "services.cli", role],
            # Each child stops on its own if we die without stopping it (kill -9, OOM).
            env={**os.environ, "METRICS_PORT": str(port), **parent_env()},
            process_group=0,  # the terminal's Ctrl-C reaches us only; we pass on one SIGTERM
        )
        children.append(_Child(name=_numbered(role, children), process=process))
    return children


def _numbered(role: str, started: list[_Child]) -> str:
    if role in ("api", "scheduler"):
        return role
    return f"{role}-{sum(1 for child in started if child.name.startswith(role + '-')) + 1}"


def _wait_for_stop(children: list[_Child], signals: list[int]) -> int:
    """Block until a signal (0) or a child exits on its own (its code, or 1)."""
    while not signals:
        for child in children:
            code = child.process.poll()
            if code is not None:
                log.error("run.child_exited", child=child.name, code=code)
                return code or 1
        time.sleep(POLL_S)
    log.info("run.stopping", signal=signal.Signals(signals[0]).name)
    return 0


def _stop_children(children: list[_Child], signals: list[int]) -> int:
    """SIGTERM every running child, pass on a second signal, kill what outlives the grace.

    0 when every one of them exited 0, else 1.
    """
    running = [child for child in children if child.process.poll() is None]
    _terminate(running)
    forwarded = len(signals)
    deadline = time.monotonic() + STOP_GRACE_S
    while any(c.process.poll() is None for c in running) and time.monotonic() < deadline:
        if len(signals) > forwarded:  # asked again: the children stop waiting for their work
            forwarded = len(signals)
            _terminate(running)
        time.sleep(POLL_S)
    exit_code = 0
    for child in running:
        code = _reap(child)
        # A child still starting dies of the SIGTERM itself: it held no work yet.
        if code not in (0, -signal.SIGTERM):
            log.warning("run.child_failed_to_stop", child=child.name, code=code)
            exit_code = 1
    log.info("run.stopped", code=exit_code)
    return exit_code


def _terminate(children: list[_Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)


def _reap(child: _Child) -> int:
    if child.process.poll() is None:
        child.process.kill()
        child.process.wait()
        return 1
    return child.process.returncode


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
