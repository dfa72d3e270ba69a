"""Server-Sent Events across API processes: resuming elsewhere loses nothing, repeats nothing."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import redis

from harness.processes import Pipeline, free_port
from harness.standin.process import StandinProcess
from shared.streams import names
from tests.e2e.client import start_sync

Message = dict[str, Any]  # {"id": entry id or None, "data": the decoded event}


@contextmanager
def _feed(url: str, last_event_id: str | None = None) -> Iterator[Iterator[Message]]:
    """An open SSE connection yielding its messages; closing it drops the connection."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    headers = {"Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    conn.request("GET", parts.path, headers=headers)
    answer = conn.getresponse()
    assert answer.status == 200, answer.read()

    def messages() -> Iterator[Message]:
        current: Message = {"id": None}
        while line := answer.readline():
            text = line.decode().rstrip("\n")
            if text.startswith("id: "):
                current["id"] = text[4:]
            elif text.startswith("data: "):
                current["data"] = json.loads(text[6:])
            elif text == "" and "data" in current:
                yield current
                current = {"id": None}

    try:
        yield messages()
    finally:
        conn.close()


def _job_event_ids(pipeline: Pipeline, job_id: str) -> list[str]:
    client = redis.Redis(
        host=pipeline.env["REDIS_HOST"],
        port=int(pipeline.env["REDIS_PORT"]),
        db=int(pipeline.env["REDIS_DB"]),
    )
    entries: Any = client.xrange(names.EVENTS)
    client.close()
    return [
        entry_id.decode()
        for entry_id, fields in entries
        if fields.get(b"job_id", b"").decode() == job_id
    ]


def test_a_client_resuming_on_another_api_process_sees_every_event_once(
    pipeline: Pipeline, standin: StandinProcess
) -> None:
    """Disconnect from one API mid-job, resume on another with Last-Event-ID: no gap, no repeat."""
    standin.set_faults(latency_ms=250)  # a job of several seconds, so the break lands mid-job
    first_api = pipeline.api_url
    pipeline.start("api")
    second_port = str(free_port())
    pipeline.start("api", SERVER_PORT=second_port)
    second_api = f"http://127.0.0.1:{second_port}"
    pipeline.start("fetcher", POKEAPI_DETAIL_CONCURRENCY="2", FETCHER_BATCH_SIZE="1")
    pipeline.start("writer", WRITER_BATCH_SIZE="1")
    pipeline.wait_for_api()
    pipeline.env["SERVER_PORT"] = second_port
    pipeline.wait_for_api()

    job_id = start_sync(pipeline)
    before: list[Message] = []
    with _feed(f"{first_api}/jobs/{job_id}/events") as messages:
        for message in messages:
            before.append(message)
            if sum(1 for m in before if m["id"]) == 2:
                break  # two pages in: leave in the middle of the job
    assert before[0]["id"] is None  # the snapshot does not move the resume point
    last_seen = before[-1]["id"]

    with _feed(f"{second_api}/jobs/{job_id}/events", last_event_id=last_seen) as messages:
        after = list(messages)  # the stream ends by itself after the terminal event

    seen = [m["id"] for m in before + after if m["id"]]
    assert seen == sorted(set(seen), key=lambda i: tuple(map(int, i.split("-")))), seen
    published = _job_event_ids(pipeline, job_id)
    first = published.index(seen[0])
    assert seen == published[first:], pipeline.logs()
    final = after[-1]["data"]
    assert final["type"] == "job.finished"
    assert final["data"]["status"] == "succeeded"
    assert final["data"]["pages_done"] == final["data"]["pages_total"] == 8
    assert len([m for m in after if m["data"]["type"] == "job.progress"]) >= 2  # mid-job, truly
