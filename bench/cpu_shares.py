"""Where a sync's CPU went: each process on the machine that took part, read from ``/proc``.

The pipeline's services are summed by role; the stand-in, MariaDB and Redis are counted
when they run on this host (a remote server's CPU is not ours to read). Beside the wall
time this says whether a run was bound by the cores or waited on something else.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.backends import REDIS_HOST, REDIS_PORT
from bench.monitor import cpu_seconds, pipeline_cpu_s
from harness.processes import Pipeline

_MARIADB_NAMES = ("mariadbd", "mysqld")


@dataclass(frozen=True)
class CpuReading:
    """CPU seconds so far of every process counted, by name (``fetcher-0``, ``mariadb``)."""

    seconds: dict[str, float]

    def since(self, before: CpuReading) -> dict[str, float]:
        """CPU seconds each role spent since ``before``: services summed by role, processes
        gone since left out, those started since counted from zero."""
        spent: dict[str, float] = {}
        for name, now in self.seconds.items():
            used = now - before.seconds.get(name, 0.0)
            if not math.isnan(used):  # NaN: the process has exited
                role = name.rsplit("-", 1)[0] if name[-1].isdigit() else name
                spent[role] = spent.get(role, 0.0) + used
        return spent


def read_cpu(pipeline: Pipeline, standin_pid: int) -> CpuReading:
    """The CPU seconds of the pipeline's services, the stand-in, and local MariaDB and Redis."""
    seconds = pipeline_cpu_s(pipeline)
    seconds["stand-in"] = cpu_seconds(standin_pid)
    for name, pid in (("mariadb", mariadb_pid()), ("redis", _redis_pid())):
        if pid is not None:
            seconds[name] = cpu_seconds(pid)
    return CpuReading(seconds)


def describe(spent: dict[str, float], wall_s: float) -> str:
    """``fetcher 2.56, writer 0.81, ... = 5.07 CPU s, 94% of 2 cores``."""
    total = sum(spent.values())
    cores = os.cpu_count() or 1
    parts = ", ".join(f"{role} {value:.2f}" for role, value in sorted(spent.items()))
    return f"{parts} = {total:.2f} CPU s, {total / (wall_s * cores):.0%} of {cores} cores"


def mariadb_pid() -> int | None:
    """The pid of a MariaDB or MySQL server running on this host, if any."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in _MARIADB_NAMES:
                return int(comm.parent.name)
        except OSError:
            continue
    return None


def _redis_pid() -> int | None:
    """The pid of the bench's Redis server, when it is a process of this host."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        pid = int(client.info("server")["process_id"])
    finally:
        client.close()
    try:
        local = Path(f"/proc/{pid}/comm").read_text().strip().startswith("redis")
    except OSError:
        return None
    return pid if local else None
