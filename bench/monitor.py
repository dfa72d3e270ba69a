"""Peak RSS of service processes, the longest stream lengths and Redis memory while they run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import redis

from bench.backends import REDIS_DB, REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline
from shared.streams import names

STREAMS = (names.COMMANDS, names.PAGES, names.DEAD)
SAMPLE_S = 0.2


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB, NaN once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far, NaN once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pipeline_cpu_s(pipeline: Pipeline) -> dict[str, float]:
    """CPU seconds used by each running service, keyed ``role-index``: unlike wall time,
    hardly moved by other work on the machine."""
    return _by_service(pipeline, cpu_seconds)


def pipeline_peaks(pipeline: Pipeline) -> dict[str, float]:
    """Peak RSS in MB of each running service, keyed ``role-index``."""
    return _by_service(pipeline, peak_rss_mb)


def _by_service(pipeline: Pipeline, read: Callable[[int], float]) -> dict[str, float]:
    values: dict[str, float] = {}
    counts: dict[str, int] = {}
    for service in pipeline.services:
        index = counts.get(service.role, 0)
        counts[service.role] = index + 1
        values[f"{service.role}-{index}"] = read(service.process.pid)
    return values


class StreamWatch:
    """A thread sampling XLEN of the pipeline streams and Redis ``used_memory``; keeps maxima."""

    def __init__(self) -> None:
        self.max_len: dict[str, int] = dict.fromkeys(STREAMS, 0)
        self.max_used_memory_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            for stream in STREAMS:
                length = int(self._client.xlen(stream))
                self.max_len[stream] = max(self.max_len[stream], length)
            used = int(self._client.info("memory")["used_memory"]) / 2**20
            self.max_used_memory_mb = max(self.max_used_memory_mb, used)

    def __enter__(self) -> StreamWatch:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._client.close()
