"""Changing the stand-in's catalogue: overriding, adding, deleting and restoring items."""

from __future__ import annotations

from harness.standin.state import StandinState
from tests.unit.standin_clients import Client, MakeClient
from tests.unit.standin_requests import (
    FIXTURE_LIST,
    get_json,
    origin,
)


async def test_put_overrides_existing_detail(client: Client) -> None:
    """PUT /_standin/pokemon/{id} replaces that item's detail, with links made absolute."""
    body = {
        "id": 1,
        "name": "bulbasaur",
        "weight": 999,
        "species": {"name": "bulbasaur", "url": "/api/v2/pokemon-species/1/"},
    }
    response = await client.put("/_standin/pokemon/1", json=body)
    assert response.status == 200
    detail = await get_json(client, "/api/v2/pokemon/1/")
    assert detail["weight"] == 999
    assert detail["species"]["url"] == f"{origin(client)}/api/v2/pokemon-species/1/"
    assert (await get_json(client, "/api/v2/pokemon"))["count"] == 1351


async def test_put_new_item_is_listed_in_id_order(make_client: MakeClient) -> None:
    """PUT of an unlisted id adds it to the list in id order under body["name"]."""
    client = await make_client(StandinState.create(list_limit=10))
    assert (await client.put("/_standin/pokemon/5000", json={"id": 5000, "name": "newmon"})).ok
    assert (await client.delete("/_standin/pokemon/5")).ok
    assert (await client.put("/_standin/pokemon/5", json={"name": "charmeleon-2"})).ok
    page = await get_json(client, "/api/v2/pokemon?limit=50")
    assert page["count"] == 11
    ids = [int(r["url"].rsplit("/", 2)[-2]) for r in page["results"]]
    assert ids == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 5000]
    assert page["results"][4]["name"] == "charmeleon-2"
    assert await get_json(client, "/api/v2/pokemon/newmon") == {"id": 5000, "name": "newmon"}


async def test_put_new_item_without_name_is_rejected(client: Client) -> None:
    """A new item without a string name cannot be listed, so the PUT answers 400."""
    assert (await client.put("/_standin/pokemon/9000", json={"id": 9000})).status == 400
    assert (await client.put("/_standin/pokemon/9000", json=[1, 2])).status == 400
    assert (await client.get("/api/v2/pokemon/9000")).status == 404


async def test_delete_removes_item_and_reset_restores(client: Client) -> None:
    """DELETE removes the item from list and details; reset brings the catalogue back."""
    response = await client.delete("/_standin/pokemon/4")
    assert (await response.json())["deleted"] is True
    assert (await (await client.delete("/_standin/pokemon/4")).json())["deleted"] is False
    page = await get_json(client, "/api/v2/pokemon?limit=5")
    assert page["count"] == 1350
    assert "charmander" not in [r["name"] for r in page["results"]]
    assert (await client.get("/api/v2/pokemon/4/")).status == 404
    assert (await client.get("/api/v2/pokemon/charmander/")).status == 404
    assert (await client.post("/_standin/reset")).status == 200
    assert (await get_json(client, "/api/v2/pokemon/charmander/"))["id"] == 4
    assert (await get_json(client, "/api/v2/pokemon"))["count"] == 1351


async def test_restore_brings_one_deleted_item_back(client: Client) -> None:
    """Restore relists one deleted item with its recorded detail; unknown ids answer 404."""
    assert (await client.delete("/_standin/pokemon/4")).status == 200
    restored = await client.post("/_standin/pokemon/4/restore")
    assert (await restored.json()) == {"id": 4, "restored": True, "count": 1351}
    assert (await get_json(client, "/api/v2/pokemon/charmander/"))["id"] == 4
    names = [r["name"] for r in (await get_json(client, "/api/v2/pokemon?limit=5"))["results"]]
    assert names == [entry["name"] for entry in FIXTURE_LIST[:5]]
    assert (await client.post("/_standin/pokemon/999999/restore")).status == 404
