"""Deletions mirrored end to end: an item gone upstream is marked deleted, and revived on return."""

from __future__ import annotations

from typing import Any

from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import http, pending_entries, stored_rows, sync


def _items(pipeline: Pipeline, *, include_deleted: bool = False) -> dict[str, Any]:
    query = "limit=100&api_source=pokemon" + ("&include_deleted=true" if include_deleted else "")
    _, body = http("GET", f"{pipeline.api_url}/items?{query}")
    return dict(body)


def test_item_removed_upstream_is_marked_deleted_then_revived(
    pipeline: Pipeline, standin: StandinProcess
) -> None:
    """Sync 75, remove one upstream and re-sync (74 live), restore it and re-sync (75 live)."""
    pipeline.start_and_wait("api", "fetcher", "fetcher", "writer", "writer")

    first = sync(pipeline)
    assert (first["status"], first["items_created"], first["items_deleted"]) == (
        "succeeded",
        75,
        0,
    ), pipeline.logs()
    assert _items(pipeline)["total"] == 75
    pikachu_id = stored_rows(pipeline)["25"]["id"]
    _, before = http("GET", f"{pipeline.api_url}/items/{pikachu_id}")  # fills the cache
    assert before["deleted_at"] is None

    assert standin.delete_pokemon(25) is True
    gone = sync(pipeline)
    assert (gone["status"], gone["items_deleted"], gone["items_unchanged"]) == (
        "succeeded",
        1,
        74,
    ), pipeline.logs()
    live = _items(pipeline)
    assert live["total"] == 74
    assert "25" not in {entry["external_id"] for entry in live["items"]}
    everything = _items(pipeline, include_deleted=True)
    assert everything["total"] == 75
    marked = {entry["external_id"]: entry["deleted_at"] for entry in everything["items"]}
    assert marked["25"] is not None
    assert [key for key, value in marked.items() if value is not None] == ["25"]
    _, deleted = http("GET", f"{pipeline.api_url}/items/{pikachu_id}")
    assert deleted["deleted_at"] == marked["25"]
    assert deleted["payload"]["name"] == "pikachu"

    standin.restore_pokemon(25)
    back = sync(pipeline)
    counts = (back["items_updated"], back["items_unchanged"], back["items_deleted"])
    assert (back["status"], counts) == ("succeeded", (1, 74, 0)), pipeline.logs()
    revived = _items(pipeline)
    assert revived["total"] == 75
    assert {entry["external_id"]: entry["deleted_at"] for entry in revived["items"]}["25"] is None
    _, served = http("GET", f"{pipeline.api_url}/items/{pikachu_id}")
    assert served["deleted_at"] is None

    _, history = http("GET", f"{pipeline.api_url}/jobs?source=pokemon&status=succeeded")
    assert history["total"] == 3
    assert [job["items_deleted"] for job in history["jobs"]] == [0, 1, 0]  # newest first
    assert all(job["percent_done"] == 100.0 for job in history["jobs"])
    assert pending_entries(pipeline) == 0
