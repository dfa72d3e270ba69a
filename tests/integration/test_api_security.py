"""API security against real Redis: the sync rate limit, CORS, and odd bearer tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiomysql
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from services.api.app import create_app
from shared.config import Settings
from shared.values.rates import Rate

AUTH = {"Authorization": "Bearer test-token"}
ORIGIN = "https://app.example.com"


def _with_api(settings: Settings, **api: Any) -> Settings:
    return settings.model_copy(update={"api": settings.api.model_copy(update=api)})


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_sync_past_the_rate_answers_429_json_with_retry_after(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """With 2/min, the third POST /sync from one address is refused 429 with Retry-After."""
    limited = _with_api(settings, sync_rate_limit=Rate(2, timedelta(minutes=1)))
    async with _client(limited) as client:
        statuses = [
            (
                await client.post(
                    "/sync", json={"operation": "detail", "params": {"id": n}}, headers=AUTH
                )
            ).status
            for n in (1, 2)
        ]
        refused = await client.post("/sync", json={}, headers=AUTH)
        assert statuses == [202, 202]
        assert refused.status == 429
        assert refused.content_type == "application/json"
        assert (await refused.json())["error"]["code"] == "too_many_requests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        other = await client.post("/sync", json={}, headers={"Authorization": "Bearer x"})
        assert other.status == 429  # counted by address: another token is no way out


async def test_refused_sync_publishes_nothing(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A rate-limited POST /sync opens no job and adds no command."""
    limited = _with_api(settings, sync_rate_limit=Rate(1, timedelta(minutes=1)))
    async with _client(limited) as client:
        assert (
            await client.post(
                "/sync", json={"operation": "detail", "params": {"id": 7}}, headers=AUTH
            )
        ).status == 202
        before = await redis.xlen("itemsync:commands")
        refused = await client.post("/sync", json={"force_sync": True}, headers=AUTH)
        assert refused.status == 429
        assert await redis.xlen("itemsync:commands") == before
        assert (await (await client.get("/jobs")).json())["total"] == 1


async def test_zero_rate_means_no_limit(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """With the limit off, many syncs in a row are all accepted or deduplicated."""
    async with _client(_with_api(settings, sync_rate_limit=None)) as client:
        for _ in range(40):
            answer = await client.post("/sync", json={}, headers=AUTH)
            assert answer.status in (200, 202)
    assert not await redis.keys("itemsync:ratelimit:*")


async def test_no_cors_headers_unless_configured(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """By default neither answers nor preflights carry any CORS header."""
    async with _client(settings) as client:
        answer = await client.get("/jobs", headers={"Origin": ORIGIN})
        preflight = await client.options(
            "/sync", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        )
    assert answer.status == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert preflight.status == 405


async def test_listed_origin_gets_cors_headers_and_preflight(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A listed origin may read answers and gets a 204 preflight; an unlisted one gets neither."""
    allowed = _with_api(settings, cors_origins=f"{ORIGIN},https://other.example.com")
    async with _client(allowed) as client:
        answer = await client.get("/jobs", headers={"Origin": ORIGIN})
        preflight = await client.options(
            "/sync",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        stranger = await client.get("/jobs", headers={"Origin": "https://evil.example.com"})
        error = await client.get("/jobs/nope", headers={"Origin": ORIGIN})
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Vary"] == "Origin"
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in stranger.headers
    assert error.status == 400
    assert error.headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_non_ascii_bearer_token_is_refused_not_crashed(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A token with bytes outside ASCII is a 403 JSON answer, not a server error."""
    async with _client(settings) as client:
        answer = await client.post(
            "/sync",
            json={},
            headers={"Authorization": "Bearer t\u00e9st-\u2603".encode().decode("latin-1")},
        )
        assert answer.status == 403
        assert (await answer.json())["error"]["code"] == "forbidden"


async def test_distinct_wrong_tokens_from_one_address_share_one_window(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Guessing with a new token each time is limited by address: 429 once the window is used."""
    limited = _with_api(
        settings, sync_rate_limit=Rate(3, timedelta(minutes=1)), auth_failure_limit=None
    )
    async with _client(limited) as client:
        statuses = [
            (
                await client.post("/sync", json={}, headers={"Authorization": f"Bearer guess-{n}"})
            ).status
            for n in range(100)
        ]
    assert statuses[:3] == [403, 403, 403]
    assert set(statuses[3:]) == {429}
    assert len(await redis.keys("itemsync:ratelimit:*")) == 1


async def test_failed_authentications_have_a_stricter_limit_of_their_own(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Past the failure limit an address gets 429 with Retry-After, even with the right token."""
    limited = _with_api(
        settings, sync_rate_limit=None, auth_failure_limit=Rate(2, timedelta(minutes=1))
    )
    async with _client(limited) as client:
        missing = await client.post("/sync", json={})
        wrong = await client.post("/sync", json={}, headers={"Authorization": "Bearer nope"})
        third = await client.post("/sync", json={}, headers={"Authorization": "Bearer nope"})
        third_body = await third.json()
        right = await client.post("/sync", json={}, headers=AUTH)
    assert (missing.status, wrong.status) == (401, 403)
    assert third.status == 429
    assert 1 <= int(third.headers["Retry-After"]) <= 60
    assert third_body["error"]["code"] == "too_many_requests"
    assert right.status == 429


async def test_forwarded_address_counts_only_from_a_trusted_proxy(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Behind a trusted proxy each X-Forwarded-For client has its own window; else it is ignored."""
    one_a_minute = Rate(1, timedelta(minutes=1))

    async def statuses(trusted: str) -> list[str]:
        await redis.flushdb()
        proxied = _with_api(settings, sync_rate_limit=one_a_minute, trusted_proxies=trusted)
        async with _client(proxied) as client:
            answers = [
                await client.post(
                    "/sync",
                    json={},
                    headers={**AUTH, "X-Forwarded-For": f"198.51.100.9, 203.0.113.{n}"},
                )
                for n in (1, 1, 2)
            ]
        return ["limited" if a.status == 429 else "accepted" for a in answers]

    assert await statuses("127.0.0.0/8, ::1") == ["accepted", "limited", "accepted"]
    # Untrusted, the header is the client's own words: every request is the peer's.
    assert await statuses("") == ["accepted", "limited", "limited"]
    assert await statuses("10.0.0.0/8") == ["accepted", "limited", "limited"]
