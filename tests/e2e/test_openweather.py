"""OpenWeather end to end: real api, fetcher and writer against the stand-in, key kept secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline, migrated_pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import http, mysql_rows, redis_dump, sync
from tests.e2e.conftest import e2e_env, weather_env

KEY = "e2e-owm-key-7c41d09b"  # what the stand-in accepts
WRONG_KEY = "e2e-wrong-key-33af51"  # a key the stand-in rejects with 401
FIXTURES = Path(__file__).parents[1] / "fixtures" / "openweather"
RECORDED = {
    "London": FIXTURES / "weather_200_london_recorded.json",
    "Zocca": FIXTURES / "weather_200_zocca_docs_example.json",
}


@pytest.fixture
def weather_key() -> str:
    """The OpenWeather key the stand-in accepts."""
    return KEY


@pytest.fixture
def weather_pipeline(
    backends: None, weather_standin: StandinProcess, tmp_path: Path
) -> Iterator[Pipeline]:
    """A migrated, empty pipeline with OpenWeather enabled and the key read from a file."""
    key_file = tmp_path / "openweather.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    env = e2e_env(
        weather_standin, **weather_env(weather_standin), OPENWEATHER_API_KEY_FILE=str(key_file)
    )
    with migrated_pipeline(env, tmp_path) as running:
        yield running


def _redis_dump(pipeline: Pipeline) -> str:
    """Every key in the pipeline's Redis DB, with its value, as text."""
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(pipeline.env["REDIS_DB"])) as client:
        return redis_dump(client)


def test_openweather_sync_stores_cities_fails_bad_key_and_never_leaks_it(
    weather_pipeline: Pipeline,
) -> None:
    """Two cities land, one fails; a wrong key fails the job clearly; the key is nowhere."""
    pipeline = weather_pipeline
    _, fetcher, _ = pipeline.start_and_wait("api", "fetcher", "writer")
    answers: list[Any] = []

    done = sync(pipeline, api_source="openweather", operation="list")
    answers.append(done)
    assert done["status"] == "partial", pipeline.logs()
    assert (done["items_created"], done["items_failed"]) == (2, 1)
    items = mysql_rows(
        pipeline,
        "SELECT id, external_id, name, payload FROM items JOIN item_payloads ON item_id = id"
        " WHERE api_source = 'openweather'",
    )
    stored = {row["name"]: row for row in items}
    assert sorted(stored) == ["London", "Zocca"]
    for city, path in RECORDED.items():
        recorded = json.loads(path.read_bytes())
        assert json.loads(stored[city]["payload"]) == recorded
        assert stored[city]["external_id"] == str(recorded["id"])
    errors = mysql_rows(pipeline, "SELECT job_id, external_id, error FROM sync_job_errors")
    assert [(e["job_id"], e["external_id"]) for e in errors] == [(done["id"], "Atlantis")]
    assert "404" in errors[0]["error"]

    # The same source with a key the upstream rejects: the whole job fails, clearly.
    fetcher.stop()
    pipeline.start("fetcher", OPENWEATHER_API_KEY=WRONG_KEY)
    failed = sync(pipeline, api_source="openweather", operation="list")
    answers.append(failed)
    assert failed["status"] == "failed", pipeline.logs()
    assert failed["error"] == "openweather rejected the API key (HTTP 401)"
    assert failed["items_created"] == 0

    for path in ("/jobs", "/items?api_source=openweather&limit=100"):
        answers.append(http("GET", f"{pipeline.api_url}{path}")[1])
    for row in items:
        answers.append(http("GET", f"{pipeline.api_url}/items/{row['id']}")[1])
    pipeline.stop_all()

    captured = "\n".join(
        [
            *(service.log() for service in pipeline.services),
            json.dumps(answers),
            repr(mysql_rows(pipeline, "SELECT * FROM sync_jobs")),
            repr(mysql_rows(pipeline, "SELECT * FROM sync_job_errors")),
            repr(mysql_rows(pipeline, "SELECT * FROM items")),
            _redis_dump(pipeline),
        ]
    )
    assert "openweather rejected the API key" in captured  # we did search the real output
    assert KEY not in captured
    assert WRONG_KEY not in captured
