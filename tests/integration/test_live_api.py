"""The live routes against real Redis and MariaDB: SSE feeds, streams, dead letters, audit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiomysql
import orjson
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from services.api.app import create_app
from services.writer.upsert import apply_batch
from shared.config import EventsSettings, Settings
from shared.db.audit import token_id
from shared.db.jobs import get_job
from shared.events import EventOut, EventType, job_event, publish_event
from shared.streams import names
from shared.values.clock import utc_now
from tests.integration.jobs_helpers import item, new_job, page

AUTH = {"Authorization": "Bearer test-token"}
Client = TestClient[Any, Any]


async def _sse_messages(answer: ClientResponse, count: int) -> list[dict[str, Any]]:
    """The next ``count`` SSE messages (id and decoded data), skipping heartbeats."""
    messages: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    while len(messages) < count:
        raw = await asyncio.wait_for(answer.content.readline(), timeout=10)
        if not raw:
            break
        line = raw.decode().rstrip("\n")
        if line.startswith("id: "):
            current["id"] = line[4:]
        elif line.startswith("data: "):
            current["data"] = orjson.loads(line[6:])
        elif line == "" and "data" in current:
            messages.append(current)
            current = {}
    return messages


def _progress(source: str = "pokemon") -> EventOut:
    return EventOut(type=EventType.BREAKER_OPENED, at=utc_now(), source=source)


async def test_events_resume_after_the_last_event_id_with_stream_ids(
    api_client: Client, redis: Redis
) -> None:
    """A client resuming with Last-Event-ID gets exactly the later events, ids being entry ids."""
    ids = [await publish_event(redis, _progress(f"s{n}")) for n in range(3)]
    async with api_client.get("/events", headers={"Last-Event-ID": str(ids[0])}) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/event-stream")
        messages = await _sse_messages(answer, 2)
    assert [m["id"] for m in messages] == ids[1:]
    assert [m["data"]["source"] for m in messages] == ["s1", "s2"]


async def test_events_from_now_skip_history_and_deliver_what_comes(
    api_client: Client, redis: Redis
) -> None:
    """Without Last-Event-ID the feed starts at the newest event and streams new ones."""
    await publish_event(redis, _progress("old"))
    async with api_client.get("/events") as answer:
        await asyncio.sleep(0.2)
        new_id = await publish_event(redis, _progress("new"))
        (message,) = await _sse_messages(answer, 1)
    assert message == {"id": new_id, "data": message["data"]}
    assert message["data"]["source"] == "new"


async def test_a_bad_last_event_id_is_a_400(api_client: Client) -> None:
    """Last-Event-ID must look like a stream entry id."""
    answer = await api_client.get("/events", headers={"Last-Event-ID": "nonsense"})
    assert answer.status == 400
    assert (await answer.json())["error"]["details"][0]["field"] == "Last-Event-ID"


async def test_job_events_of_a_finished_job_send_its_final_state_and_end(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A job already terminal in MySQL gets one job.finished message, then the stream ends."""
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await apply_batch(
            conn, [page(job, "list:0", [item(1)], pages_total=1)], max_statement_bytes=1 << 20
        )
    answer = await api_client.get(f"/jobs/{job.id}/events")
    body = (await answer.text()).strip()
    (line,) = [line for line in body.splitlines() if line.startswith("data: ")]
    final = orjson.loads(line[6:])
    assert final["type"] == "job.finished"
    assert final["data"]["status"] == "succeeded"
    assert final["data"]["pages_done"] == 1


async def test_job_events_follow_one_job_and_end_after_its_terminal_event(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Another job's events are left out; the stream closes after job.finished."""
    job, other = await new_job(pool), await new_job(pool)
    async with api_client.get(f"/jobs/{job.id}/events") as answer:
        (snapshot,) = await _sse_messages(answer, 1)
        assert snapshot["data"]["type"] == "job.progress"
        assert "id" not in snapshot  # a snapshot must not move the client's resume point
        await publish_event(redis, job_event(EventType.JOB_PROGRESS, other, utc_now()))
        mine = await publish_event(redis, job_event(EventType.JOB_FINISHED, job, utc_now()))
        rest = (await asyncio.wait_for(answer.text(), timeout=10)).strip()
    assert f"id: {mine}" in rest
    assert str(other.id) not in rest


async def test_writer_commits_announce_progress_and_the_end_of_the_job(
    pool: aiomysql.Pool, redis: Redis
) -> None:
    """The events a writer publishes carry the committed counters, the last one terminal."""
    from shared.events.announce import announce_jobs

    job = await new_job(pool)
    async with pool.acquire() as conn:
        result = await apply_batch(
            conn,
            [page(job, "list:0", [item(1), item(2)], pages_total=1)],
            max_statement_bytes=1 << 20,
        )
    await announce_jobs(redis, pool, result.tallies, finished=set(result.finished_jobs))
    entries: Any = await redis.xrange(names.EVENTS)
    kinds = [fields[b"type"].decode() for _, fields in entries]
    assert kinds == ["job.progress", "job.finished"]
    body = orjson.loads(entries[-1][1][b"body"])
    assert body["status"] == "succeeded"
    assert body["items_created"] == 2
    stored = await get_job(pool, job.id)
    assert stored is not None
    assert body["pages_done"] == stored.pages_done == 1


async def test_streams_show_groups_with_lag_pending_and_consumers(
    api_client: Client, redis: Redis
) -> None:
    """XINFO GROUPS and CONSUMERS are served per stream."""
    await redis.xgroup_create(names.PAGES, names.WRITERS, id="0", mkstream=True)
    await redis.xadd(names.PAGES, {"type": "page"})
    await redis.xadd(names.PAGES, {"type": "page"})
    await redis.xreadgroup(names.WRITERS, "writer-1", {names.PAGES: ">"}, count=1)
    answer = await (await api_client.get("/streams")).json()
    pages = next(s for s in answer["streams"] if s["name"] == names.PAGES)
    (group,) = pages["groups"]
    assert pages["length"] == 2
    assert (group["name"], group["lag"], group["pending"]) == ("writers", 1, 1)
    assert group["consumers"][0]["name"] == "writer-1"
    assert group["consumers"][0]["pending"] == 1


async def test_dead_letters_replay_needs_the_token_and_is_audited(
    api_client: Client, redis: Redis
) -> None:
    """Replay moves the letter back to its stream and records who did it; never the token."""
    dead_id = (
        await redis.xadd(
            names.DEAD,
            {
                "type": "list",
                "job_id": "j",
                "body": "{}",
                "error": "boom",
                "deliveries": "5",
                "stream": names.COMMANDS,
                "group": names.FETCHERS,
                "entry_id": "1-0",
            },
        )
    ).decode()
    listed = await (await api_client.get("/dead-letters")).json()
    assert [d["dead_id"] for d in listed["dead_letters"]] == [dead_id]

    refused = await api_client.post("/dead-letters/replay", json={"ids": [dead_id]})
    assert refused.status == 401
    answer = await api_client.post("/dead-letters/replay", json={"ids": [dead_id]}, headers=AUTH)
    assert answer.status == 200, await answer.text()
    assert await redis.xlen(names.DEAD) == 0
    assert await redis.xlen(names.COMMANDS) == 1

    assert (await api_client.get("/audit")).status == 401
    trail = await (await api_client.get("/audit", headers=AUTH)).json()
    (entry,) = trail["entries"]
    assert entry["action"] == "dead_letters.replay"
    assert entry["token_id"] == token_id("test-token") != "test-token"
    assert dead_id in entry["target"]
    assert "test-token" not in orjson.dumps(trail).decode()


async def test_purge_without_ids_or_all_is_refused(api_client: Client, redis: Redis) -> None:
    """An empty body never purges everything by accident."""
    await redis.xadd(names.DEAD, {"type": "list", "stream": names.COMMANDS})
    for body in ({}, {"ids": []}, {"all": False}, {"ids": ["1-1"], "all": True}):
        answer = await api_client.post("/dead-letters/purge", json=body, headers=AUTH)
        assert answer.status == 422, body
    assert await redis.xlen(names.DEAD) == 1
    purged = await api_client.post("/dead-letters/purge", json={"all": True}, headers=AUTH)
    assert (await purged.json()) == {"purged": 1}


async def test_unknown_dead_letter_is_a_404(api_client: Client) -> None:
    """Replaying an id that is not there answers 404, not 500."""
    answer = await api_client.post("/dead-letters/replay", json={"ids": ["1-1"]}, headers=AUTH)
    assert answer.status == 404


async def test_item_search_finds_by_name_prefix_or_upstream_id(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """``q`` matches a name prefix (wildcards taken literally) or an exact upstream id."""
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await apply_batch(
            conn,
            [page(job, "list:0", [item(1), item(25), item(250)], pages_total=1)],
            max_statement_bytes=1 << 20,
        )
    by_name = await (await api_client.get("/search/items", params={"q": "mon-25"})).json()
    assert sorted(i["external_id"] for i in by_name["items"]) == ["25", "250"]
    by_id = await (await api_client.get("/search/items", params={"q": "1"})).json()
    assert [i["external_id"] for i in by_id["items"]] == ["1"]
    wildcard = await (await api_client.get("/search/items", params={"q": "%"})).json()
    assert wildcard["items"] == []


async def test_sync_requests_are_audited(api_client: Client, pool: aiomysql.Pool) -> None:
    """POST /sync leaves an audit entry naming the job."""
    answer = await api_client.post(
        "/sync", json={"operation": "detail", "params": {"id": 1}}, headers=AUTH
    )
    job_id = (await answer.json())["job_id"]
    trail = await (await api_client.get("/audit", headers=AUTH)).json()
    assert trail["entries"][0]["action"] == "sync"
    assert job_id in trail["entries"][0]["target"]


async def test_sources_show_breaker_budget_and_last_job(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """Every configured source is listed with its breaker state and last job."""
    job = await new_job(pool)
    answer = await (await api_client.get("/sources")).json()
    (pokemon,) = [s for s in answer["sources"] if s["name"] == "pokemon"]
    assert pokemon["breaker"]["state"] == "closed"
    assert pokemon["last_job"]["id"] == str(job.id)
    assert pokemon["next_scheduled_at"] is not None


async def test_dashboard_and_docs_pages_are_served_from_the_package(api_client: Client) -> None:
    """/, /docs and their assets come from this origin; unknown assets are 404."""
    page_answer = await api_client.get("/")
    html = await page_answer.text()
    assert page_answer.status == 200
    assert "/static/dashboard.js" in html
    assert "http" not in html.replace("http-equiv", "")  # nothing from another host
    assert (await api_client.get("/docs")).status == 200
    assert (await api_client.get("/static/dashboard.js")).status == 200
    assert (await api_client.get("/static/..%2Fapp.py")).status == 404


async def test_live_clients_past_the_limit_get_a_503_and_other_routes_still_answer(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Feeds have their own bounded pool: one client too many is refused, /jobs still works."""
    limited = settings.model_copy(update={"events": EventsSettings(max_clients=1)})
    async with TestClient(TestServer(create_app(limited))) as client:
        async with client.get("/events") as first:
            assert first.status == 200
            refused = await client.get("/events")
            assert refused.status == 503
            assert refused.headers["Retry-After"] == "5"
            assert (await client.get("/jobs")).status == 200
        # The slot comes back once the server sees the first client gone: ask until it has.
        deadline = time.monotonic() + 30
        while True:
            async with client.get("/events") as again:
                if again.status != 503 or time.monotonic() >= deadline:
                    break
            await asyncio.sleep(0.02)
        assert again.status == 200  # the slot came back when the first client left
