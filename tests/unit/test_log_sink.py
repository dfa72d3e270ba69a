"""Log lines: one write each, cut to fit a pipe, and never an error when stdout is gone."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from shared.observability.log_sink import LineSink
from shared.observability.logging import configure_logging


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    """A pipe's read and write ends, closed afterwards if still open."""
    read_fd, write_fd = os.pipe()
    yield read_fd, write_fd
    for fd in (read_fd, write_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


def _read(fd: int) -> bytes:
    return os.read(fd, 1 << 20) if select.select([fd], [], [], 0)[0] else b""


def test_a_line_goes_out_with_its_newline(pipe: tuple[int, int]) -> None:
    """The sink writes the line and its newline to the pipe."""
    read_fd, write_fd = pipe
    LineSink(write_fd).write_line('{"event": "x"}')
    assert _read(read_fd) == b'{"event": "x"}\n'


def test_a_closed_stdout_falls_back_then_drops(pipe: tuple[int, int]) -> None:
    """After the reader left, lines go to the fallback; with both gone they are dropped."""
    read_fd, write_fd = pipe
    fallback_read, fallback_write = os.pipe()
    sink = LineSink(write_fd, fallback_fd=fallback_write)
    os.close(read_fd)
    sink.write_line("after the reader left")  # EPIPE must not raise
    assert _read(fallback_read) == b"after the reader left\n"
    os.close(fallback_read)
    sink.write_line("nobody reads this")  # nor here
    os.close(fallback_write)


def test_logging_survives_a_broken_pipe(pipe: tuple[int, int]) -> None:
    """structlog and standard-library calls return normally when nothing can be written."""
    read_fd, write_fd = pipe
    configure_logging(service="test", fmt="json", sink=LineSink(write_fd))
    os.close(read_fd)
    structlog.get_logger().info("service.stopping", signal="SIGTERM")
    logging.getLogger("aiohttp.server").error("gone")


def test_long_lines_to_a_pipe_are_cut_to_one_atomic_write(pipe: tuple[int, int]) -> None:
    """A line longer than PIPE_BUF is shortened, marked truncated, and still one JSON object."""
    read_fd, write_fd = pipe
    configure_logging(service="test", fmt="json", sink=LineSink(write_fd))
    structlog.get_logger().info("big", filler="é" * 5000 + "END", other="x" * 3000, n=1)
    line = _read(read_fd)
    assert line.endswith(b"\n")
    assert len(line) <= select.PIPE_BUF
    record = json.loads(line)
    assert (record["event"], record["n"], record["truncated"]) == ("big", 1, True)
    assert "[cut]" in record["filler"]
    assert record["filler"].endswith("END")  # the middle goes: a traceback keeps its last line


def test_long_lines_to_a_file_stay_whole(tmp_path: Path) -> None:
    """A file takes a long line whole: nothing is cut where nothing can interleave."""
    path = tmp_path / "log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    configure_logging(service="test", fmt="json", sink=LineSink(fd))
    structlog.get_logger().info("big", filler="x" * 20_000)
    os.close(fd)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert len(record["filler"]) == 20_000
    assert "truncated" not in record
