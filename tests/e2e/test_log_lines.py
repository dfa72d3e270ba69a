"""Log lines of many processes sharing one pipe stay whole: one line, one write."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

from harness.standin.process import REPO_ROOT

WRITERS = 4
LINES = 300
# Sizes up to three times PIPE_BUF: the long lines are the ones a pipe could split.
WRITER = """
import logging, sys, structlog
from shared.observability.logging import configure_logging
configure_logging(service=sys.argv[1], fmt="json")
log = structlog.get_logger()
for n in range(int(sys.argv[2])):
    filler = "x" * ((n * 997) % 12000)
    if n % 3 == 0:
        logging.getLogger("aiohttp.server").warning("line %d %s", n, filler)
    else:
        log.info("test.line", n=n, filler=filler)
"""


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    time.sleep(0.5)  # let the pipe fill, so writers block in the middle of long lines
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            raise TimeoutError("the writers stopped writing")
        chunk = os.read(fd, 4096)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        time.sleep(0.0005)  # a slow reader keeps the pipe full


def test_lines_of_concurrent_processes_on_one_pipe_never_merge() -> None:
    """Four processes logging long and short lines into one pipe: every line parses as JSON."""
    read_fd, write_fd = os.pipe()
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", WRITER, f"writer-{n}", str(LINES)],
            cwd=REPO_ROOT,
            stdout=write_fd,
            stderr=subprocess.DEVNULL,
        )
        for n in range(WRITERS)
    ]
    os.close(write_fd)
    try:
        output = _read_all(read_fd)
    finally:
        os.close(read_fd)
        for process in processes:
            process.wait(timeout=30)
    lines = output.decode().splitlines()
    parsed = [json.loads(line) for line in lines]  # a merged line is not JSON
    assert len(parsed) == WRITERS * LINES
    for n in range(WRITERS):
        assert sum(1 for line in parsed if line["service"] == f"writer-{n}") == LINES
    assert max(len(line.encode()) + 1 for line in lines) <= select.PIPE_BUF
    assert any(line.get("truncated") for line in parsed)
