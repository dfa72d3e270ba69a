"""(c) Redis alone: pipelined XADD, then XREADGROUP and XACK, in messages per second."""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis

from bench.backends import REDIS_DB, REDIS_HOST, REDIS_PORT

STREAM = "bench:streams"
GROUP = "bench"
CHUNK = 100  # entries per pipeline round trip and per XREADGROUP COUNT
# A small page-shaped entry: the flat fields every item-sync entry carries.
_FIELDS = {
    "type": "page",
    "job_id": "00000000-0000-0000-0000-000000000000",
    "source": "pokemon",
    "trace_id": "bench",
    "created_at": "2024-01-01T00:00:00+00:00",
    "body": "x" * 200,
}


async def stream_round_trip(messages: int) -> float:
    """Seconds to XADD ``messages`` entries, read them all in a group and ack each one."""
    client = aioredis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        await client.delete(STREAM)
        await client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        started = time.perf_counter()
        for begin in range(0, messages, CHUNK):
            async with client.pipeline(transaction=False) as pipe:
                for _ in range(min(CHUNK, messages - begin)):
                    pipe.xadd(STREAM, _FIELDS)  # type: ignore[arg-type]  # str values are fine
                await pipe.execute()
        done = 0
        while done < messages:
            answer: Any = await client.xreadgroup(GROUP, "c", {STREAM: ">"}, count=CHUNK)
            ids = [entry_id for _, entries in answer for entry_id, _ in entries]
            await client.xack(STREAM, GROUP, *ids)
            done += len(ids)
        elapsed = time.perf_counter() - started
        await client.delete(STREAM)
        return elapsed
    finally:
        await client.aclose()
