"""The stand-in's faults: errors, 429s, broken JSON, down, latency, hangs, echoes, seeds."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from harness.standin.state import Faults, StandinState
from tests.unit.standin_clients import Client, MakeClient
from tests.unit.standin_requests import (
    get_json,
    put_faults,
    weather_fixture,
)


async def test_error_rate_one_answers_5xx(client: Client) -> None:
    """error_rate=1 answers every upstream request with 500 or 503."""
    await put_faults(client, error_rate=1)
    statuses = {(await client.get("/api/v2/pokemon/1")).status for _ in range(20)}
    assert statuses <= {500, 503}
    assert statuses


async def test_rate_429_sets_retry_after(client: Client) -> None:
    """rate_429=1 answers 429 with the configured Retry-After, weather with the 429 body."""
    await put_faults(client, rate_429=1, retry_after_s=7)
    response = await client.get("/api/v2/pokemon")
    assert response.status == 429
    assert response.headers["Retry-After"] == "7"
    weather = await client.get("/data/2.5/weather?q=London&appid=test-key")
    assert weather.status == 429
    assert weather.headers["Retry-After"] == "7"
    assert await weather.read() == weather_fixture("weather_429_too_many_requests.json")


@pytest.mark.parametrize(
    "path", ["/api/v2/pokemon", "/api/v2/pokemon/1", "/data/2.5/weather?q=Zocca&appid=test-key"]
)
async def test_broken_json_rate_truncates_200_bodies(client: Client, path: str) -> None:
    """broken_json_rate=1 answers 200 with a body that is not valid JSON."""
    await put_faults(client, broken_json_rate=1)
    response = await client.get(path)
    assert response.status == 200
    body = await response.read()
    assert body
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_broken_json_leaves_errors_alone(client: Client) -> None:
    """broken_json_rate only breaks 200 answers; a 404 keeps its status and body."""
    await put_faults(client, broken_json_rate=1)
    response = await client.get("/api/v2/pokemon/76")
    assert response.status == 404
    assert await response.text() == "Not Found"


async def test_down_answers_503_but_control_works(client: Client) -> None:
    """down=true answers every upstream request 503 while the control API keeps working."""
    await put_faults(client, down=True)
    assert (await client.get("/api/v2/pokemon")).status == 503
    assert (await client.get("/data/2.5/weather?q=London&appid=test-key")).status == 503
    faults = await get_json(client, "/_standin/faults")
    assert faults["down"] is True
    await put_faults(client, down=False)
    assert (await client.get("/api/v2/pokemon")).status == 200


async def test_latency_is_added_to_upstream_requests(client: Client) -> None:
    """latency_ms delays each upstream answer by at least that long."""
    await put_faults(client, latency_ms=150)
    started = time.monotonic()
    assert (await client.get("/api/v2/pokemon")).status == 200
    assert time.monotonic() - started >= 0.14


async def test_hang_delays_then_answers(client: Client) -> None:
    """hang_rate=1 holds each request for hang_s before answering normally."""
    await put_faults(client, hang_rate=1, hang_s=0.3)
    started = time.monotonic()
    assert (await client.get("/api/v2/pokemon/1")).status == 200
    assert time.monotonic() - started >= 0.29


async def test_openweather_429_switch(client: Client) -> None:
    """openweather_429=true answers weather requests with the recorded 429, not PokeAPI."""
    await put_faults(client, openweather_429=True)
    weather = await client.get("/data/2.5/weather?q=London&appid=test-key")
    assert weather.status == 429
    assert await weather.read() == weather_fixture("weather_429_too_many_requests.json")
    assert (await client.get("/api/v2/pokemon")).status == 200


@pytest.mark.parametrize(
    "change",
    [{"nope": 1}, {"error_rate": 2}, {"error_rate": "x"}, {"down": 1}, {"latency_ms": -1},
     {"retry_after_s": 1.5}, {"error_rate": 1, "bogus": True}],
)  # fmt: skip
async def test_bad_fault_update_is_rejected_whole(client: Client, change: dict[str, Any]) -> None:
    """An unknown field or bad value answers 400 and changes no setting."""
    response = await client.put("/_standin/faults", json=change)
    assert response.status == 400
    assert "error" in await response.json()
    assert await get_json(client, "/_standin/faults") == Faults().to_json()


async def test_reset_restores_startup_faults(make_client: MakeClient) -> None:
    """POST /_standin/reset returns faults to the start-up settings."""
    client = await make_client(StandinState.create(faults=Faults(retry_after_s=3)))
    await put_faults(client, error_rate=1, retry_after_s=9)
    assert (await client.post("/_standin/reset")).status == 200
    faults = await get_json(client, "/_standin/faults")
    assert faults == Faults(retry_after_s=3).to_json()
    assert (await client.get("/api/v2/pokemon")).status == 200


async def test_seed_makes_faults_reproducible(make_client: MakeClient) -> None:
    """Two servers with the same seed fail exactly the same requests."""
    runs = []
    for _ in range(2):
        client = await make_client(StandinState.create(seed=42, faults=Faults(error_rate=0.5)))
        runs.append([(await client.get("/api/v2/pokemon/1")).status for _ in range(30)])
    assert runs[0] == runs[1]
    assert 200 in runs[0]
    assert set(runs[0]) & {500, 503}


async def test_echo_request_repeats_the_url_in_5xx_answers(client: Client) -> None:
    """echo_request=true makes error answers repeat the request URL, as leaky servers do."""
    await put_faults(client, error_rate=1.0, echo_request=True)
    response = await client.get("/data/2.5/weather", params={"q": "London", "appid": "k-123"})
    assert response.status in (500, 503)
    body = await response.json()
    assert "appid=k-123" in body["url"]
