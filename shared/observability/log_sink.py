"""Where log lines go: one ``os.write`` per line, and a vanished reader never stops a service.

Several processes share one stdout (``item-sync run``, ``docker compose``,
``| tee``). The kernel writes a pipe write of at most ``PIPE_BUF`` bytes in one
piece, so each line is written whole with one call and the renderer keeps lines
for a pipe within that size (see ``shared.observability.logging``). When stdout is gone
(EPIPE: the reader exited) or broken, lines go to stderr instead, and when that
fails too they are dropped: logging never raises into the service.
"""

from __future__ import annotations

import logging
import os
import select
import stat
import sys
import threading
from typing import Any, TextIO


class LineSink:
    """Writes complete lines to ``fd``; falls back to ``fallback_fd``, then drops them."""

    def __init__(self, fd: int, fallback_fd: int | None = None) -> None:
        self._fds = [fd] if fallback_fd is None or fallback_fd == fd else [fd, fallback_fd]
        self.max_line_bytes = _atomic_limit(fd)
        # A long line to a file must not interleave with a thread's; reentrant in case a
        # signal handler logs while this thread is writing.
        self._lock = threading.RLock()

    def write_line(self, line: str) -> None:
        """Write ``line`` and a newline in one call; never raises."""
        data = line.encode("utf-8", "backslashreplace") + b"\n"
        with self._lock:
            while self._fds:
                try:
                    _write_all(self._fds[0], data)
                    return
                except BlockingIOError:
                    return  # a non-blocking stdout is full: drop this line, keep serving
                except OSError:
                    self._fds.pop(0)  # EPIPE, EBADF, ...: this output is gone for good


def stdout_sink() -> LineSink:
    """The process's stdout, with stderr as the fallback."""
    return LineSink(_fileno(sys.stdout, 1), fallback_fd=_fileno(sys.stderr, 2))


def stderr_sink() -> LineSink:
    """The process's stderr, for commands whose stdout is their answer."""
    return LineSink(_fileno(sys.stderr, 2))


class LineLogger:
    """structlog's final logger: each rendered event is one line through the sink."""

    def __init__(self, sink: LineSink) -> None:
        self._sink = sink

    def msg(self, message: str) -> None:
        """Write one rendered event."""
        self._sink.write_line(message)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class LineHandler(logging.Handler):
    """Standard-library handler: each formatted record is one line through the sink."""

    def __init__(self, sink: LineSink, formatter: logging.Formatter) -> None:
        super().__init__()
        self._sink = sink
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        """Format and write one record."""
        try:
            line = self.format(record)
        except Exception:  # a bad %-format in a library's call must not stop the caller
            self.handleError(record)
            return
        self._sink.write_line(line)


def line_logger_factory(sink: LineSink) -> Any:
    """A structlog ``logger_factory`` that hands out one ``LineLogger`` on ``sink``."""
    logger = LineLogger(sink)

    def factory(*_args: Any) -> LineLogger:
        return logger

    return factory


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        # One call writes a line up to PIPE_BUF whole; only longer lines to a file loop here.
        written = os.write(fd, view)
        view = view[written:]


def _atomic_limit(fd: int) -> int | None:
    """``PIPE_BUF`` when ``fd`` is a pipe or socket (writes above it may be split), else None."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    return select.PIPE_BUF if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _fileno(stream: TextIO | None, default: int) -> int:
    try:
        return stream.fileno() if stream is not None else default
    except (AttributeError, OSError, ValueError):  # replaced by a test harness, or closed
        return default
