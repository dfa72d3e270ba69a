"""A ``redis-server`` a test owns: its own port and configuration; killed, restarted empty."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from harness.backends import service_missing
from harness.processes import free_port

READY_TIMEOUT_S = 10.0
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


class OwnedRedis:
    """One redis-server on a fixed free port, started with the test's own ``args``."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self.port = free_port()
        self._workdir = workdir
        self._args = args
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    def start(self) -> None:
        """Start the server and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server", FileNotFoundError("redis-server is not on PATH"))
            raise AssertionError("unreachable")  # service_missing skips or fails
        self._starts += 1
        command = [binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--dir", str(self._workdir), *self._args]
        with (self._workdir / f"redis-{self._starts}.log").open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed binary, our arguments
                command, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready(self._process)

    def kill(self) -> None:
        """SIGKILL: everything it held is gone, as after a crash without persistence."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, and wait for it to exit."""
        self._end(signal.SIGTERM)

    def client(self, db: int) -> redis.Redis:
        """A synchronous client on ``db``."""
        return redis.Redis(host="127.0.0.1", port=self.port, db=db)

    def _end(self, how: signal.Signals) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(how)
            self._process.wait(timeout=READY_TIMEOUT_S)

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        probe = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with code {process.returncode}")
                try:
                    probe.ping()
                    return
                except redis.AuthenticationError:
                    return  # it answers, and asks for the password the test gave it
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.05)
        finally:
            probe.close()


@contextmanager
def redis_server(*args: str) -> Iterator[int]:
    """Run ``redis-server`` on a free local port with extra ``args``; yield the port."""
    with tempfile.TemporaryDirectory() as workdir:
        server = OwnedRedis(Path(workdir), *args)
        server.start()
        try:
            yield server.port
        finally:
            server.stop()


@contextmanager
def owned_redis(workdir: Path) -> Iterator[OwnedRedis]:
    """A started server without persistence, killed when the block ends."""
    server = OwnedRedis(workdir, *NO_PERSISTENCE)
    server.start()
    try:
        yield server
    finally:
        server.kill()
