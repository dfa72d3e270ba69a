"""What MariaDB did during a measurement: global status deltas and the server's CPU seconds.

The counters are the whole server's, so other work on a shared server adds to them; the
bench's own syncs write hundreds of MB at real size, which dwarfs a test run's few MB.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.backends import mysql_connect
from bench.cpu_shares import mariadb_pid
from bench.monitor import cpu_seconds

# Bytes InnoDB wrote to data files (doublewrite included) and to its redo log, bytes the
# server received from clients and wrote to its binlog (0 with log_bin off), row writes.
COUNTERS = (
    "Innodb_data_written",
    "Innodb_os_log_written",
    "Bytes_received",
    "Binlog_bytes_written",
    "Innodb_rows_inserted",
    "Innodb_rows_updated",
)


@dataclass(frozen=True)
class ServerSnapshot:
    """The counters and the server process's CPU seconds at one moment."""

    counters: dict[str, int]
    cpu_s: float

    def since(self, before: ServerSnapshot) -> dict[str, float]:
        """Each counter's increase since ``before``, and ``server CPU s``."""
        deltas: dict[str, float] = {
            name: value - before.counters.get(name, 0) for name, value in self.counters.items()
        }
        deltas["server CPU s"] = self.cpu_s - before.cpu_s
        return deltas


def snapshot() -> ServerSnapshot:
    """The counters now, and the CPU seconds of the local server process (NaN if remote)."""
    conn = mysql_connect()
    with conn.cursor() as cur:
        marks = ", ".join(["%s"] * len(COUNTERS))
        cur.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({marks})", COUNTERS)
        counters = {str(name): int(value) for name, value in cur.fetchall()}
    conn.close()
    pid = mariadb_pid()
    return ServerSnapshot(counters, cpu_seconds(pid) if pid else float("nan"))


def describe(deltas: dict[str, float]) -> str:
    """One line: MB written to data files, redo, binlog, received; the server's CPU."""
    mb = 1e6
    return (
        f"server: data written {deltas.get('Innodb_data_written', 0) / mb:.0f} MB,"
        f" redo {deltas.get('Innodb_os_log_written', 0) / mb:.0f} MB,"
        f" binlog {deltas.get('Binlog_bytes_written', 0) / mb:.0f} MB,"
        f" received {deltas.get('Bytes_received', 0) / mb:.0f} MB,"
        f" CPU {deltas['server CPU s']:.1f} s"
    )
