"""The stand-in's request counts: upstream requests only, fault answers included."""

from __future__ import annotations

import time

from tests.unit.standin_clients import Client
from tests.unit.standin_requests import (
    get_json,
    put_faults,
)


async def test_stats_count_upstream_requests_only(client: Client) -> None:
    """Stats count upstream requests by kind and status with timestamps, not control calls."""
    assert (await client.post("/_standin/stats/reset")).status == 200
    started = time.time()
    await client.get("/api/v2/pokemon")
    await client.get("/api/v2/pokemon/?offset=20")
    await client.get("/api/v2/pokemon/1")
    await client.get("/api/v2/pokemon/76")
    await client.get("/data/2.5/weather?q=London")
    await client.get("/not/an/api")
    await client.get("/_standin/faults")
    stats = await get_json(client, "/_standin/stats")
    assert stats["requests"] == 6
    assert stats["by_kind"] == {"list": 2, "detail": 2, "weather": 1, "other": 1}
    assert stats["by_status"] == {"200": 3, "404": 2, "401": 1}
    stamps = stats["timestamps"]
    assert len(stamps) == 6
    assert stamps == sorted(stamps)
    assert started <= stamps[0]
    assert stamps[-1] <= time.time()
    assert (await client.post("/_standin/stats/reset")).status == 200
    assert await get_json(client, "/_standin/stats") == {
        "requests": 0,
        "by_kind": {"list": 0, "detail": 0, "weather": 0},
        "by_status": {},
        "not_modified": 0,
        "body_bytes": 0,
        "timestamps": [],
    }


async def test_stats_count_fault_answers(client: Client) -> None:
    """Answers produced by faults are counted under their own status."""
    await put_faults(client, down=True)
    await client.get("/api/v2/pokemon")
    stats = await get_json(client, "/_standin/stats")
    assert stats["by_status"] == {"503": 1}
    assert stats["by_kind"]["list"] == 1
