"""The stand-in as PokeAPI's origin: Express ETags, 304s, the data hash and the counters."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from harness.standin.app import create_app
from harness.standin.state import StandinState

Client = TestClient[web.Request, web.Application]
EXPRESS_ETAG = re.compile(r'^W/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$')


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    test_client: Client = TestClient(TestServer(create_app(StandinState.create(synthetic=30))))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def test_answers_carry_an_express_etag_and_a_matching_one_gets_a_bodiless_304(
    client: Client,
) -> None:
    answer = await client.get("/api/v2/pokemon/7/")
    body = await answer.read()
    etag = answer.headers["ETag"]
    assert EXPRESS_ETAG.match(etag)
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]  # noqa: S324
    assert etag == f'W/"{len(body):x}-{digest}"'
    again = await client.get("/api/v2/pokemon/7/", headers={"If-None-Match": etag})
    assert (again.status, await again.read()) == (304, b"")
    other = await client.get("/api/v2/pokemon/8/", headers={"If-None-Match": etag})
    assert other.status == 200
    listing = await client.get("/api/v2/pokemon?offset=0&limit=10")
    tag = listing.headers["ETag"]
    unchanged = await client.get(
        "/api/v2/pokemon?offset=0&limit=10", headers={"If-None-Match": tag}
    )
    assert unchanged.status == 304
    stats = await (await client.get("/_standin/stats")).json()
    assert stats["not_modified"] == 2
    assert stats["body_bytes"] == len(body) + len(await other.read()) + len(await listing.read())


async def test_the_data_hash_changes_with_the_data_and_old_etags_stop_matching(
    client: Client,
) -> None:
    meta = await (await client.get("/api/v2/meta/")).json()
    assert set(meta) == {"deploy_date", "hash", "tag"}
    answer = await client.get("/api/v2/pokemon/3/")
    assert answer.headers["X-PokeAPI-Hash"] == meta["hash"]
    etag = answer.headers["ETag"]
    assert (await client.post("/_standin/synthetic/mutate", json={"fraction": 1.0})).status == 200
    changed = await (await client.get("/api/v2/meta/")).json()
    assert changed["hash"] != meta["hash"]
    again = await client.get("/api/v2/pokemon/3/", headers={"If-None-Match": etag})
    assert again.status == 200
    assert again.headers["X-PokeAPI-Hash"] == changed["hash"]
    assert again.headers["ETag"] != etag
