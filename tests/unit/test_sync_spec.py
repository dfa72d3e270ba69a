"""The sync spec: validated once, stored with its job, and read back as the same spec."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from shared.config import Settings
from shared.models.http import http_models
from shared.models.spec import DetailParams, ListParams, SyncSpec
from shared.sources.registry import build_planners, detail_id_types
from shared.values.hashing import canonical_json


def _read_back(spec: SyncSpec) -> SyncSpec:
    """``spec`` as its job's columns store it, read back."""
    return SyncSpec.from_stored(
        source=spec.source,
        operation=spec.operation,
        params_json=spec.stored_params(),
        force_sync=spec.force_sync,
    )


@pytest.mark.parametrize(
    "spec",
    [
        SyncSpec(source="pokemon"),
        SyncSpec(source="pokemon", params=ListParams(offset=40, limit=10), force_sync=True),
        SyncSpec(source="pokemon", operation="detail", params=DetailParams(id=25)),
        SyncSpec(source="pokemon", operation="detail", params=DetailParams(id="025")),
        SyncSpec(source="openweather", operation="detail", params=DetailParams(id=" Paris ")),
    ],
)
def test_a_stored_spec_reads_back_as_the_same_spec(spec: SyncSpec) -> None:
    """The params column and the other columns parse back into an equal spec, JSON types kept."""
    stored = _read_back(spec)
    assert stored == spec
    assert stored.params_dict() == spec.params_dict()


@pytest.mark.parametrize(
    ("spec", "params"),
    [
        (SyncSpec(source="pokemon"), {}),
        (
            SyncSpec(source="pokemon", params=ListParams(offset=0, limit=5)),
            {"offset": 0, "limit": 5},
        ),
        (SyncSpec(source="pokemon", operation="detail", params=DetailParams(id=25)), {"id": 25}),
    ],
)
def test_the_stored_params_and_active_key_are_those_of_the_request(
    spec: SyncSpec, params: dict[str, Any]
) -> None:
    """Params left out are not stored, and identical requests share the key they always had."""
    assert orjson.loads(spec.stored_params()) == params
    identity = {
        "source": spec.source,
        "operation": spec.operation,
        "params": params,
        "force_sync": spec.force_sync,
    }
    assert spec.active_key == hashlib.sha256(canonical_json(identity)).hexdigest()


def test_a_number_and_its_digits_are_different_syncs() -> None:
    """A spec keeps the JSON type it was given, so 25 and "25" stay two requests."""
    number = SyncSpec(source="pokemon", operation="detail", params=DetailParams(id=25))
    digits = SyncSpec(source="pokemon", operation="detail", params=DetailParams(id="25"))
    assert number.active_key != digits.active_key


@pytest.mark.parametrize(
    ("spec", "complete"),
    [
        (SyncSpec(source="pokemon"), True),
        (SyncSpec(source="pokemon", params=ListParams(offset=0, limit=5)), True),
        (SyncSpec(source="pokemon", params=ListParams(offset=20)), False),
        (SyncSpec(source="pokemon", operation="detail", params=DetailParams(id=1)), False),
    ],
)
def test_only_a_list_from_offset_zero_is_complete(spec: SyncSpec, complete: bool) -> None:
    """A complete list covers the whole source: the only kind of job that mirrors deletions."""
    assert spec.is_complete_list is complete


@pytest.mark.parametrize("operation", ["search", "", "LIST", "weather"])
def test_a_spec_takes_only_list_and_detail(operation: str) -> None:
    """An operation other than list or detail is refused on ``operation``."""
    with pytest.raises(ValidationError) as caught:
        SyncSpec.model_validate({"source": "pokemon", "operation": operation})
    assert [error["loc"] for error in caught.value.errors()] == [("operation",)]


@pytest.mark.parametrize(
    ("operation", "params"),
    [("detail", {}), ("list", {"id": 25}), ("list", {"n": "x"}), ("detail", {"id": 1, "x": 2})],
)
def test_params_must_fit_the_operation(operation: str, params: dict[str, Any]) -> None:
    """A stored job whose params do not fit its operation does not parse."""
    with pytest.raises(ValidationError):
        SyncSpec.from_stored(
            source="pokemon",
            operation=operation,
            params_json=orjson.dumps(params),
            force_sync=False,
        )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"operation": "list", "params": {"offset": 20, "limit": 5}, "force_sync": True},
        {"operation": "detail", "params": {"id": 25}},
        {"operation": "detail", "params": {"id": "025"}},
    ],
)
def test_a_request_reads_back_from_its_job_as_the_same_spec(body: dict[str, Any]) -> None:
    """What POST /sync validated is, once stored and read back, an equal spec."""
    models = http_models(
        detail_id_types(build_planners(Settings(_env_file=None))), default="pokemon"
    )
    spec = models.sync_request.model_validate(body).root.spec()
    stored = _read_back(spec)
    assert stored == spec
