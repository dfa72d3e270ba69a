"""A ``redis-server`` process a test owns: killed with SIGKILL, started again empty."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.conftest import service_missing
from tests.e2e.processes import free_port

READY_TIMEOUT_S = 10.0


class OwnedRedis:
    """One redis-server on a fixed port, without persistence: a restart starts empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server", FileNotFoundError("not on PATH"))
            return
        self._starts += 1
        log = (self._workdir / f"redis-{self._starts}.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - a fixed local binary
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready()

    def kill(self) -> None:
        """SIGKILL: everything it held is gone, as after a crash without persistence."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=READY_TIMEOUT_S)

    def client(self, db: int) -> redis.Redis:
        """A synchronous client on ``db``."""
        return redis.Redis(host="127.0.0.1", port=self.port, db=db)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        probe = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            while True:
                try:
                    if probe.ping():
                        return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.05)
        finally:
            probe.close()


@contextmanager
def owned_redis(workdir: Path) -> Iterator[OwnedRedis]:
    """A started server that is killed when the block ends."""
    server = OwnedRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()
