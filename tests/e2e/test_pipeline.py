"""The whole pipeline as separate processes: api, 2 fetchers, 2 writers, real backends."""

from __future__ import annotations

import json
from typing import Any

from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import (
    http,
    pending_entries,
    stored_rows,
    sync,
    upstream_details,
)


def _unsynced(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "synced_at"}


def test_sync_mirrors_upstream_and_resyncs_exactly(
    pipeline: Pipeline, standin: StandinProcess
) -> None:
    """First sync copies upstream exactly; re-syncs count unchanged, changed and forced rows."""
    pipeline.start_and_wait("api", "fetcher", "fetcher", "writer", "writer")

    first = sync(pipeline)
    assert first["status"] == "succeeded", pipeline.logs()
    assert (first["pages_total"], first["pages_done"]) == (8, 8)  # 75 items, pages of 10
    assert (first["items_created"], first["items_updated"], first["items_failed"]) == (75, 0, 0)
    upstream = upstream_details(standin)
    rows = stored_rows(pipeline)
    assert sorted(rows) == sorted(upstream)
    for external_id, detail in upstream.items():
        assert json.loads(rows[external_id]["payload"]) == detail, external_id
        assert rows[external_id]["name"] == detail["name"]
    _, listed = http("GET", f"{pipeline.api_url}/items?limit=100&api_source=pokemon")
    assert listed["total"] == 75

    unchanged = sync(pipeline)
    assert unchanged["status"] == "succeeded"
    counts = (unchanged["items_unchanged"], unchanged["items_created"], unchanged["items_updated"])
    assert counts == (75, 0, 0)
    assert stored_rows(pipeline) == rows  # not one row written

    changed_detail = dict(upstream["25"])
    changed_detail["weight"] = changed_detail["weight"] + 1
    changed_detail["padding"] = ["p" * 1000] * 1500  # about 1.5 MB of payload
    standin.put_pokemon(25, changed_detail)
    changed = sync(pipeline)
    assert (changed["items_updated"], changed["items_unchanged"]) == (1, 74)
    after_change = stored_rows(pipeline)
    served = upstream_details(standin)["25"]
    assert json.loads(after_change["25"]["payload"]) == served
    _, via_api = http("GET", f"{pipeline.api_url}/items/{after_change['25']['id']}")
    assert via_api["payload"] == served
    assert via_api["name"] == "pikachu"
    # Every other item was answered 304: its row is untouched but for synced_at.
    assert {k: _unsynced(v) for k, v in after_change.items() if k != "25"} == {
        k: _unsynced(v) for k, v in rows.items() if k != "25"
    }

    forced = sync(pipeline, force_sync=True)
    counts = (forced["items_updated"], forced["items_unchanged"], forced["items_created"])
    assert counts == (75, 0, 0)
    after_force = stored_rows(pipeline)
    assert all(after_force[k]["updated_at"] > after_change[k]["updated_at"] for k in after_force)
    assert pending_entries(pipeline) == 0
