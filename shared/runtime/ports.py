"""Listening ports: say in one line which one is taken and what to do about it."""

from __future__ import annotations

import errno
import socket

from shared.errors import ItemSyncError


class PortInUse(ItemSyncError):
    """A port a service must listen on is taken: stop the other process or pick another."""

    def __init__(self, port: int, variable: str, free_port: int) -> None:
        super().__init__(
            f"port {port} ({variable}) is already in use, perhaps by another item-sync: "
            f"stop that one (Ctrl-C) or choose a free port, e.g. {variable}={free_port}"
        )
        self.port = port
        self.variable = variable


def is_address_in_use(exc: OSError) -> bool:
    """Whether a bind failed because something already listens there."""
    return exc.errno == errno.EADDRINUSE


MAX_PORT = 65535


def ensure_port_free(host: str, port: int, variable: str) -> None:
    """Raise ``PortInUse`` if ``port`` cannot be bound on ``host`` right now."""
    if not _bindable(host, port):
        raise PortInUse(port, variable, next_free_port(host, port))


def next_free_port(host: str, port: int) -> int:
    """The first port above ``port`` that can be bound on ``host``, to suggest instead."""
    candidate = port + 1
    while candidate < MAX_PORT and not _bindable(host, candidate):
        candidate += 1
    return candidate


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As aiohttp binds: a port in TIME_WAIT after a restart is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if is_address_in_use(exc):
                return False
            raise
    return True
