"""A TCP proxy the tests can cut: live connections dropped, new ones refused, until restored."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from harness.processes import free_port

CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target port, on its own event loop thread."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> None:
        """Begin forwarding."""
        self._thread.start()
        self._call(self._listen())

    def cut(self) -> None:
        """Drop every live connection and refuse new ones."""
        self._call(self._cut())

    def restore(self) -> None:
        """Accept connections again on the same port."""
        self._call(self._listen())

    def close(self) -> None:
        """Stop the proxy and its thread, leaving no connection or task behind."""
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", self.port)

    def _on_connect(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        # Registered here, synchronously: a task cancelled before it first runs never reaches
        # its finally, and its connection would outlive the proxy unless a cut aborts it.
        self._writers.add(client_w)
        asyncio.get_running_loop().create_task(self._accept(client_r, client_w))

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, as a dead network or server gives
        self._writers.clear()

    async def _shutdown(self) -> None:
        await self._cut()
        # Connections still being opened or piped: cancel them, so no transport outlives the
        # loop (an unclosed one is a ResourceWarning, which the suite treats as an error).
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        # A connection accepted in the last turns may have its transport made but not yet
        # handed to _on_connect: the selector loop knows every transport it made, so sweep
        # them all (a private table, but the one place that sees them all).
        transports = getattr(asyncio.get_running_loop(), "_transports", {})
        for transport in list(transports.values()):
            if transport is not None and not transport.is_closing():
                transport.abort()
        # An aborted transport closes its socket in a callback scheduled on this loop:
        # let those run before the loop stops, or the socket outlives it.
        for _ in range(3):
            await asyncio.sleep(0)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_w: asyncio.StreamWriter | None = None
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
            if self._server is None:  # cut while connecting: behave as if refused
                return
            self._writers.add(server_w)
            await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))
        except OSError:
            return
        finally:
            for writer in (client_w, server_w):
                if writer is not None:
                    writer.transport.abort()
                    self._writers.discard(writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.transport.abort()


@contextmanager
def cuttable(target_port: int) -> Iterator[TcpProxy]:
    """A started proxy to ``target_port``, closed on exit."""
    proxy = TcpProxy(target_port=target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.close()
