"""``item-sync sync``: the command line's text becomes the sync spec ``POST /sync`` would take."""

from __future__ import annotations

import pytest

from services.ops.sync import sync_spec
from shared.config import Settings
from shared.errors import InvalidRequest
from shared.models.spec import DetailParams

SETTINGS = Settings(_env_file=None, api={"api_type": "pokemon,openweather"})


def test_digits_go_as_a_number_where_the_id_may_be_one() -> None:
    """A Pokémon id typed as digits is the JSON number the API is usually sent."""
    planner, spec = sync_spec(SETTINGS, "pokemon", force=False, operation="detail", item_id="25")
    assert (planner.name, spec.params) == ("pokemon", DetailParams(id=25))
    assert spec.params_dict() == {"id": 25}


def test_digits_stay_text_where_the_id_is_text() -> None:
    """A city id is text even when it is made of digits."""
    _, spec = sync_spec(SETTINGS, "openweather", force=True, operation="detail", item_id="12345")
    assert spec.params_dict() == {"id": "12345"}
    assert spec.force_sync


def test_an_id_the_api_refuses_is_refused_before_any_io() -> None:
    """Id 0 is refused on params.id, with the API's message."""
    with pytest.raises(InvalidRequest, match="greater than or equal to 1") as caught:
        sync_spec(SETTINGS, "pokemon", force=False, operation="detail", item_id="0")
    assert caught.value.field == "params.id"


def test_a_list_without_an_id_is_the_whole_source() -> None:
    """``item-sync sync pokemon`` is a complete list sync."""
    _, spec = sync_spec(SETTINGS, "pokemon", force=False, operation="list", item_id=None)
    assert spec.is_complete_list


def test_a_source_not_enabled_names_api_api_type() -> None:
    """A source outside API_API_TYPE is refused with the setting to change."""
    settings = Settings(_env_file=None, api={"api_type": "pokemon"})
    with pytest.raises(InvalidRequest, match="API_API_TYPE=pokemon,openweather"):
        sync_spec(settings, "openweather", force=False, operation="list", item_id=None)
