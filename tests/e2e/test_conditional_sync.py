"""Conditional sync end to end: real processes against the stand-in, counted on its side."""

from __future__ import annotations

from typing import Any

import pymysql

from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import stored_rows, sync, upstream_details

ITEMS = 75
LIST_PAGES = 8  # POKEAPI_PAGE_SIZE=10 in the e2e pipeline


def _delete_row(pipeline: Pipeline, external_id: str) -> None:
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor() as cur:
        cur.execute(
            "DELETE FROM items WHERE api_source = 'pokemon' AND external_id = %s", (external_id,)
        )
    conn.commit()
    conn.close()


def _counts(job: dict[str, Any]) -> tuple[Any, ...]:
    return (
        job["status"],
        job["items_created"],
        job["items_updated"],
        job["items_unchanged"],
        job["items_failed"],
    )


def test_unchanged_resync_is_one_request_and_a_change_costs_only_its_own_body(
    pipeline: Pipeline, standin: StandinProcess
) -> None:
    """First sync in full; unchanged signal: one request; changed: 304s but for the change."""
    pipeline.start_and_wait("api", "fetcher", "writer")

    standin.reset_stats()
    first = sync(pipeline)
    assert _counts(first) == ("succeeded", ITEMS, 0, 0, 0), pipeline.logs()
    full = standin.stats()
    assert full["requests"] == 1 + LIST_PAGES + ITEMS  # meta, list pages, details
    assert full["not_modified"] == 0

    standin.reset_stats()
    quiet = sync(pipeline)
    assert _counts(quiet) == ("succeeded", 0, 0, ITEMS, 0), pipeline.logs()
    signal_only = standin.stats()
    assert signal_only["requests"] == 1, signal_only["by_kind"]  # the meta answer only
    assert signal_only["body_bytes"] < 200

    # A changed item moves the data hash; a row lost from MySQL is fetched in full again.
    standin.put_pokemon(25, {"id": 25, "name": "pikachu", "height": 99})
    _delete_row(pipeline, "1")
    standin.reset_stats()
    swept = sync(pipeline)
    assert _counts(swept) == ("succeeded", 1, 1, ITEMS - 2, 0), pipeline.logs()
    conditional = standin.stats()
    assert conditional["requests"] == 1 + LIST_PAGES + ITEMS
    assert conditional["not_modified"] == LIST_PAGES + ITEMS - 2
    assert conditional["body_bytes"] < full["body_bytes"] / 20
    rows = stored_rows(pipeline)
    assert len(rows) == ITEMS
    assert '"height":99' in rows["25"]["payload"].replace(" ", "")
    assert rows["1"]["payload"]
    assert upstream_details(standin)["25"]["height"] == 99

    # force_sync sends no validators: every answer has its body.
    standin.reset_stats()
    forced = sync(pipeline, force_sync=True)
    assert forced["status"] == "succeeded", pipeline.logs()
    assert forced["items_updated"] == ITEMS
    assert standin.stats()["not_modified"] == 0
