"""A redis-server a test owns: its own port, configuration and memory figures."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from tests.conftest import service_missing
from tests.e2e.processes import free_port

READY_TIMEOUT_S = 10.0


@contextmanager
def redis_server(*args: str) -> Iterator[int]:
    """Run ``redis-server`` on a free local port with extra ``args``; yield the port."""
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server", FileNotFoundError("redis-server is not on PATH"))
        raise AssertionError("unreachable")  # service_missing skips or fails
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir, *args]
        process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_ready(port, process)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {process.returncode}")
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer within {READY_TIMEOUT_S:.0f} s")
    finally:
        client.close()
