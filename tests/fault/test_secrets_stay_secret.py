"""No configured secret appears in anything a run with faults leaves behind.

Real processes with every secret set (a MySQL user and a Redis server with
passwords of their own), then: a sync with a city upstream does not know, a
poison entry that echoes a key, upstream 500s that echo the request URL with the
key until the command is dead-lettered, and a fetcher with a wrong key (401).
Every log line, stream entry, stored error, dead letter, job record, API answer
and ``dlq list`` line is then searched for each secret, raw and as JSON or a URL
would spell it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest
import redis

from harness.backends import MYSQL_HOST, database_name, user_name
from harness.processes import Pipeline, free_port, running_pipeline, service_env
from harness.redis_server import NO_PERSISTENCE, redis_server
from harness.secrets import assert_no_secret, mysql_dump
from harness.standin.process import StandinProcess
from tests.e2e.client import API_TOKEN, http, redis_dump, start_sync, sync
from tests.e2e.conftest import weather_env

GOOD_KEY = 'owm-"good"-7c41'  # a quote: JSON escapes it and URLs encode it
WRONG_KEY = "e2e-wrong-key-33af51"
DB_PASSWORD = "db-pw-e2e-9d3f"
REDIS_PASSWORD = "~Zq!"  # the shortest secret settings accept
SECRETS = (GOOD_KEY, WRONG_KEY, DB_PASSWORD, REDIS_PASSWORD, API_TOKEN)
DATABASE = database_name("item_sync_secrets")
DB_USER = user_name("itemsync_secrets")


@pytest.fixture
def secured_redis() -> Iterator[int]:
    """A Redis server of this test's own that requires ``REDIS_PASSWORD``; its port."""
    with redis_server(*NO_PERSISTENCE, "--requirepass", REDIS_PASSWORD) as port:
        yield port


@pytest.fixture
def db_user(backends: None) -> Iterator[str]:
    """A MySQL user with ``DB_PASSWORD`` and every right on the test database only."""
    conn = pymysql.connect(host=MYSQL_HOST, user="root", password="")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
        for host in ("%", "localhost", "127.0.0.1"):
            cur.execute(f"DROP USER IF EXISTS '{DB_USER}'@'{host}'")
            password = conn.escape(DB_PASSWORD)
            cur.execute(f"CREATE USER '{DB_USER}'@'{host}' IDENTIFIED BY {password}")
            cur.execute(f"GRANT ALL PRIVILEGES ON `{DATABASE}`.* TO '{DB_USER}'@'{host}'")
    try:
        yield DB_USER
    finally:
        with conn.cursor() as cur:
            for host in ("%", "localhost", "127.0.0.1"):
                cur.execute(f"DROP USER IF EXISTS '{DB_USER}'@'{host}'")
        conn.close()


@pytest.fixture
def weather_key() -> str:
    """The OpenWeather key the stand-in accepts: only ``GOOD_KEY``."""
    return GOOD_KEY


@pytest.fixture
def secret_pipeline(
    weather_standin: StandinProcess, secured_redis: int, db_user: str, tmp_path: Path
) -> Iterator[Pipeline]:
    """A migrated pipeline whose every secret is set; services are started by the test."""
    env = service_env(
        DATABASE_DATABASE=DATABASE,
        DATABASE_USER=db_user,
        DATABASE_PASSWORD=DB_PASSWORD,
        REDIS_PORT=str(secured_redis),
        REDIS_PASSWORD=REDIS_PASSWORD,
        REDIS_DB="0",
        SERVER_PORT=str(free_port()),
        API_TOKEN=API_TOKEN,
        POKEAPI_BASE_URL=weather_standin.pokeapi_url,
        OPENWEATHER_API_KEY=GOOD_KEY,
        WORKER_ENABLED="false",
        **weather_env(weather_standin),
        STREAM_BLOCK="200ms",
        STREAM_CLAIM_IDLE="1s",
        STREAM_MAX_DELIVERIES="2",
        RETRY_MAX_RETRIES="1",
        RETRY_CIRCUIT_THRESHOLD="1000",  # this test is about failures, not an outage
    )
    with running_pipeline(env, tmp_path) as pipeline:
        pipeline.migrate()
        yield pipeline


def _redis(pipeline: Pipeline) -> redis.Redis:
    return redis.Redis(
        host="127.0.0.1", port=int(pipeline.env["REDIS_PORT"]), password=REDIS_PASSWORD
    )


def _dead_letters(pipeline: Pipeline) -> list[dict[bytes, bytes]]:
    client = _redis(pipeline)
    entries: Any = client.xrange("itemsync:dead")
    client.close()
    return [fields for _, fields in entries]


def _wait_for_dead_letters(pipeline: Pipeline, count: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while len(_dead_letters(pipeline)) < count:
        assert time.monotonic() < deadline, "no dead letter:\n" + pipeline.logs()
        time.sleep(0.2)


def _add_poison(pipeline: Pipeline) -> None:
    """A command entry nobody can handle, whose fields echo secrets."""
    client = _redis(pipeline)
    client.xadd(
        "itemsync:commands",
        {
            "type": "weather",
            "job_id": str(uuid.uuid4()),
            "source": f"appid={GOOD_KEY}",
            "trace_id": REDIS_PASSWORD,
            "created_at": "2026-01-01T00:00:00+00:00",
            "body": '{"city": "Nowhere"}',
        },
    )
    client.close()


def _redis_dump(pipeline: Pipeline) -> str:
    """Every key of the pipeline's Redis, with its value, as text."""
    with _redis(pipeline) as client:
        return redis_dump(client)


def test_no_secret_survives_a_run_with_faults(
    secret_pipeline: Pipeline, weather_standin: StandinProcess
) -> None:
    """Logs, streams, stored errors, dead letters, jobs and API answers hold no secret."""
    pipeline = secret_pipeline
    _, fetcher, _ = pipeline.start_and_wait("api", "fetcher", "writer")
    answers: list[Any] = []

    partial = sync(pipeline, api_source="openweather", operation="list")
    assert (partial["status"], partial["items_failed"]) == ("partial", 1), pipeline.logs()
    answers.append(partial)

    _add_poison(pipeline)
    _wait_for_dead_letters(pipeline, 1)

    # The upstream fails and echoes the request, key included, until the command is dead.
    weather_standin.set_faults(error_rate=1.0, echo_request=True)
    echoed = start_sync(
        pipeline, api_source="openweather", operation="detail", params={"id": "Rome"}
    )
    _wait_for_dead_letters(pipeline, 2)
    weather_standin.set_faults(error_rate=0.0, echo_request=False)

    fetcher.stop()
    pipeline.start("fetcher", OPENWEATHER_API_KEY=WRONG_KEY)
    failed = sync(pipeline, api_source="openweather", operation="list")
    assert failed["error"] == "openweather rejected the API key (HTTP 401)", pipeline.logs()
    answers.append(failed)

    for path in ("/jobs", f"/jobs/{echoed}", "/items?api_source=openweather", "/health"):
        answers.append(http("GET", f"{pipeline.api_url}{path}")[1])
    with pytest.raises(urllib.error.HTTPError) as missing:  # any error answer will do
        http("GET", f"{pipeline.api_url}/jobs/{uuid.uuid4()}")
    # The error holds the answer's open socket, and the test's frame holds the error (and its
    # traceback the frame): close it now, or it is left for garbage collection in a later test.
    with missing.value as error:
        answers.append(repr(error))
    listed = pipeline.run_cli("dlq", "list")
    assert listed.returncode == 0, listed.stderr
    pipeline.stop_all()

    dead = _dead_letters(pipeline)
    poison = next(fields for fields in dead if fields[b"body"] == b'{"city": "Nowhere"}')
    assert poison[b"source"] == b"appid=***"
    captured = "\n".join(
        [
            *(service.log() for service in pipeline.services),
            json.dumps(answers),
            listed.stdout,
            listed.stderr,
            mysql_dump(DATABASE),
            _redis_dump(pipeline),
        ]
    )
    # We did search the real output: the failures are all there, masked.
    assert "openweather rejected the API key" in captured
    assert "HTTP 500" in captured or "HTTP 503" in captured
    assert "appid=***" in captured
    assert_no_secret(captured, SECRETS)
