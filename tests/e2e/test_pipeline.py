"""The whole pipeline as separate processes: api, 2 fetchers, 2 writers, real backends."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pymysql
import redis

from tests.e2e.conftest import API_TOKEN
from tests.e2e.processes import Pipeline
from tests.standin.process import StandinProcess

JOB_TIMEOUT_S = 120.0


def _http(method: str, url: str, body: object = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local URL
    request.add_header("Authorization", f"Bearer {API_TOKEN}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return answer.status, json.loads(answer.read())


def _sync(pipeline: Pipeline, **body: object) -> dict[str, Any]:
    """POST /sync and wait for the job to end; return the finished job."""
    status, accepted = _http("POST", f"{pipeline.api_url}/sync", body)
    assert status == 202, accepted
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        _, job = _http("GET", f"{pipeline.api_url}/jobs/{accepted['job_id']}")
        if job["status"] not in ("pending", "running"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job did not finish in {JOB_TIMEOUT_S}s:\n{pipeline.logs()}")


def _upstream(standin: StandinProcess) -> dict[str, dict[str, Any]]:
    """Every listed item's detail, exactly as the upstream serves it."""
    with urllib.request.urlopen(f"{standin.pokeapi_url}/pokemon?limit=1000", timeout=10) as r:  # noqa: S310
        listing = json.loads(r.read())
    details = {}
    for entry in listing["results"]:
        external_id = entry["url"].rstrip("/").rsplit("/", 1)[-1]
        with urllib.request.urlopen(entry["url"], timeout=10) as r:  # noqa: S310
            details[external_id] = json.loads(r.read())
    return details


def _rows(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(
            "SELECT id, external_id, name, payload, updated_at, synced_at FROM items"
            " WHERE api_source = 'pokemon'"
        )
        rows = cur.fetchall()
    conn.close()
    by_id = {row["external_id"]: row for row in rows}
    assert len(by_id) == len(rows), "duplicate external ids in items"
    return by_id


def _pending(pipeline: Pipeline) -> int:
    client = redis.Redis(host="127.0.0.1", db=int(pipeline.env["REDIS_DB"]))
    total = sum(
        int(client.xpending(stream, group)["pending"])
        for stream, group in (("itemsync:commands", "fetchers"), ("itemsync:pages", "writers"))
    )
    client.close()
    return total


def test_sync_mirrors_upstream_and_resyncs_exactly(
    pipeline: Pipeline, standin: StandinProcess
) -> None:
    """First sync copies upstream exactly; re-syncs count unchanged, changed and forced rows."""
    pipeline.start("api")
    for role in ("fetcher", "fetcher", "writer", "writer"):
        pipeline.start(role)
    pipeline.wait_for_api()

    first = _sync(pipeline)
    assert first["status"] == "succeeded", pipeline.logs()
    assert (first["pages_total"], first["pages_done"]) == (8, 8)  # 75 items, pages of 10
    assert (first["items_created"], first["items_updated"], first["items_failed"]) == (75, 0, 0)
    upstream = _upstream(standin)
    rows = _rows(pipeline)
    assert sorted(rows) == sorted(upstream)
    for external_id, detail in upstream.items():
        assert json.loads(rows[external_id]["payload"]) == detail, external_id
        assert rows[external_id]["name"] == detail["name"]
    _, listed = _http("GET", f"{pipeline.api_url}/items?limit=100&api_source=pokemon")
    assert listed["total"] == 75

    unchanged = _sync(pipeline)
    assert unchanged["status"] == "succeeded"
    assert (
        unchanged["items_unchanged"],
        unchanged["items_created"],
        unchanged["items_updated"],
    ) == (
        75,
        0,
        0,
    )
    assert _rows(pipeline) == rows  # not one row written

    changed_detail = dict(upstream["25"])
    changed_detail["weight"] = changed_detail["weight"] + 1
    changed_detail["padding"] = ["p" * 1000] * 1500  # about 1.5 MB of payload
    standin.put_pokemon(25, changed_detail)
    changed = _sync(pipeline)
    assert (changed["items_updated"], changed["items_unchanged"]) == (1, 74)
    after_change = _rows(pipeline)
    served = _upstream(standin)["25"]
    assert json.loads(after_change["25"]["payload"]) == served
    _, via_api = _http("GET", f"{pipeline.api_url}/items/{after_change['25']['id']}")
    assert via_api["payload"] == served
    assert via_api["name"] == "pikachu"
    assert {k: v for k, v in after_change.items() if k != "25"} == {
        k: v for k, v in rows.items() if k != "25"
    }

    forced = _sync(pipeline, force_sync=True)
    assert (forced["items_updated"], forced["items_unchanged"], forced["items_created"]) == (
        75,
        0,
        0,
    )
    after_force = _rows(pipeline)
    assert all(after_force[k]["updated_at"] > after_change[k]["updated_at"] for k in after_force)
    assert _pending(pipeline) == 0
