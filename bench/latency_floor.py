"""The machine's limit for the latency ratio: bare aiohttp clients, no pipeline.

Each client is a process doing a fetcher's work without Redis, MySQL or a writer: it
takes list offsets from a shared queue, fetches the list page, then its details
concurrently, ``in_flight`` pages at a time (as a fetcher holds ``FETCHER_BATCH_SIZE``
commands), at most ``detail_concurrency`` detail requests at once across its pages (as a
fetcher caps them at its source's ``concurrency``). One client beside four, against the
same slow stand-in, shows how far four processes on this host can scale when the
pipeline costs nothing.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any, TypeVar

import aiohttp
import orjson

_START_TIMEOUT_S = 60.0
T = TypeVar("T")


def bare_fetch_rate(
    base_url: str,
    *,
    clients: int,
    in_flight: int,
    items: int,
    page_size: int,
    detail_concurrency: int,
) -> float:
    """Items/s for ``clients`` processes fetching ``items`` as list pages plus details."""
    context = multiprocessing.get_context("spawn")  # no inherited event loop or sockets
    offsets: multiprocessing.Queue[int | None] = context.Queue()
    for offset in range(0, items, page_size):
        offsets.put(offset)
    for _ in range(clients * in_flight):
        offsets.put(None)  # one stop per page loop
    ready: multiprocessing.Queue[bool] = context.Queue()
    done: multiprocessing.Queue[float] = context.Queue()
    start = context.Event()
    work = _Work(base_url, page_size, in_flight, detail_concurrency, offsets, ready, start)
    processes = [context.Process(target=_client, args=(work, done)) for _ in range(clients)]
    try:
        for process in processes:
            process.start()
        for _ in processes:  # imported, with a session: the clock starts on the work alone
            _next(ready, processes)
        began = time.monotonic()  # CLOCK_MONOTONIC is one clock for every process
        start.set()
        ends = [_next(done, processes) for _ in processes]
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    return items / (max(ends) - began)


def _next(answers: multiprocessing.Queue[T], processes: Sequence[BaseProcess]) -> T:
    """The next answer; a client that died before giving it fails the run at once."""
    deadline = time.monotonic() + _START_TIMEOUT_S * 60
    while time.monotonic() < deadline:
        try:
            return answers.get(timeout=1.0)
        except queue.Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"a bare client exited with {dead[0]}") from None
    raise TimeoutError("the bare clients gave no answer in an hour")


@dataclass(frozen=True)
class _Work:
    """What every client process is given: where to fetch, and the queues they share."""

    base_url: str
    page_size: int
    in_flight: int
    detail_concurrency: int  # detail requests at once, over all the client's pages
    offsets: multiprocessing.Queue[int | None]  # list offsets, then a None per loop
    ready: multiprocessing.Queue[bool]
    start: Event


def _client(work: _Work, done: multiprocessing.Queue[float]) -> None:
    asyncio.run(_fetch_pages(work))
    done.put(time.monotonic())


async def _fetch_pages(work: _Work) -> None:
    base_url, page_size, offsets = work.base_url, work.page_size, work.offsets
    details = asyncio.Semaphore(work.detail_concurrency)
    async with aiohttp.ClientSession() as session:

        async def get(url: str) -> Any:
            async with session.get(url) as answer:
                answer.raise_for_status()
                return orjson.loads(await answer.read())

        async def get_detail(url: str) -> Any:
            async with details:
                return await get(url)

        async def page_loop() -> None:
            while True:
                try:
                    offset = offsets.get_nowait()
                except queue.Empty:  # another client holds the queue's lock this instant
                    offset = await asyncio.to_thread(offsets.get)
                if offset is None:
                    return
                page = await get(f"{base_url}/api/v2/pokemon?offset={offset}&limit={page_size}")
                await asyncio.gather(*(get_detail(entry["url"]) for entry in page["results"]))

        work.ready.put(True)
        if not await asyncio.to_thread(work.start.wait, _START_TIMEOUT_S):
            return  # the run was given up
        await asyncio.gather(*(page_loop() for _ in range(work.in_flight)))
