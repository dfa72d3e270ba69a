"""The built-in pokemon definition planned: list windows, page sizes and detail ids."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.models.commands import DetailCommand, PageCommand
from shared.models.http import TAG_MARK, http_models
from shared.models.spec import DetailParams, ListParams, SyncSpec
from shared.sources.declared.planner import DeclaredPlanner
from tests.unit.builtin_pokemon import DEFINITION, POKEMON, ListCommand
from tests.unit.declared_helpers import builtin
from tests.unit.fake_upstream import (
    BASE_URL,
)

PLANNER = DeclaredPlanner(DEFINITION)


def list_spec(**params: Any) -> SyncSpec:
    """A pokemon list sync with these params."""
    return SyncSpec(source=POKEMON, operation="list", params=ListParams(**params))


def detail_params(params: dict[str, Any]) -> DetailParams:
    """``params`` of a pokemon detail sync, validated as a request to the API validates them."""
    models = http_models({POKEMON: PLANNER.detail_id}, default=POKEMON)
    body = {"api_source": POKEMON, "operation": "detail", "params": params}
    validated = models.sync_request.model_validate(body).root.params
    assert isinstance(validated, DetailParams)
    return validated


def test_plan_list_defaults_to_one_fan_out_page() -> None:
    """A list job starts with one fan-out command at offset 0 of the configured page size."""
    assert PLANNER.plan(list_spec()) == [ListCommand(offset=0, limit=20, fan_out=True)]


@pytest.mark.parametrize(
    ("params", "command"),
    [
        ({"offset": 40, "limit": 10}, ListCommand(offset=40, limit=10, fan_out=True)),
        ({"offset": 40}, ListCommand(offset=40, limit=20, fan_out=True)),
        ({"limit": 5}, ListCommand(offset=0, limit=5, fan_out=True)),
        ({"offset": None, "limit": None}, ListCommand(offset=0, limit=20, fan_out=True)),
    ],
)
def test_plan_list_with_window(params: dict[str, Any], command: PageCommand) -> None:
    """``offset`` and ``limit`` pick the window; missing ones fall back to 0 and the page size."""
    assert PLANNER.plan(list_spec(**params)) == [command]


def test_plan_list_uses_configured_page_size() -> None:
    """POKEAPI_PAGE_SIZE is the default limit of a list job; planning needs settings alone."""
    planner = DeclaredPlanner(
        builtin(POKEMON, {"POKEAPI_BASE_URL": BASE_URL, "POKEAPI_PAGE_SIZE": "50"})
    )
    assert planner.plan(list_spec()) == [ListCommand(offset=0, limit=50, fan_out=True)]


@pytest.mark.parametrize(
    ("item_id", "external_id"),
    [(25, "25"), ("25", "25"), ("025", "25"), (10001, "10001"), (0, "0")],
)
def test_plan_detail(item_id: int | str, external_id: str) -> None:
    """A detail job is one detail command with the normalised id."""
    spec = SyncSpec(source=POKEMON, operation="detail", params=DetailParams(id=item_id))
    assert PLANNER.plan(spec) == [DetailCommand(external_id=external_id)]


@pytest.mark.parametrize("item_id", [25, "25", "025"])
def test_plan_detail_of_a_validated_request(item_id: int | str) -> None:
    """A detail sync validated with the planner's id type plans the same command."""
    spec = SyncSpec(source=POKEMON, operation="detail", params=detail_params({"id": item_id}))
    assert PLANNER.plan(spec) == [DetailCommand(external_id="25")]


@pytest.mark.parametrize(
    "params",
    [{"id": "pikachu"}, {"id": ""}, {}, {"id": None}, {"id": -1}, {"id": "2.5"}, {"id": " 25"}],
)
def test_detail_id_rejects_non_numeric_id(params: dict[str, Any]) -> None:
    """A detail sync whose id is not a whole number is refused on params.id."""
    with pytest.raises(ValidationError) as caught:
        detail_params(params)
    assert [_field(error["loc"]) for error in caught.value.errors()] == ["params.id"]


def test_detail_id_rejects_non_ascii_digits() -> None:
    """An id made of non-ASCII digits is refused on params.id, not an unhandled ValueError."""
    with pytest.raises(ValidationError) as caught:
        detail_params({"id": "²"})
    assert [_field(error["loc"]) for error in caught.value.errors()] == ["params.id"]


def _field(loc: tuple[int | str, ...]) -> str:
    """An error location as the API names it: without the union tags."""
    return ".".join(str(part) for part in loc if not str(part).startswith(TAG_MARK))
