"""The OpenAPI document: generated from the route table, complete, and self-consistent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import orjson
import pytest
from pydantic import ValidationError

from services.api.app import create_app
from services.api.keys import HTTP_MODELS, OPENAPI
from shared.config import Settings
from shared.models.http import HttpModels


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The document the app would serve."""
    app = create_app(Settings(_env_file=None))
    return dict(orjson.loads(app[OPENAPI]))


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield str(value)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_registered_route_is_documented(spec: dict[str, Any]) -> None:
    """Each method and path aiohttp serves is an operation of the spec, and nothing more."""
    app = create_app(Settings(_env_file=None))
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    documented = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert served == documented


def test_spec_is_openapi_3_1_with_bearer_security(spec: dict[str, Any]) -> None:
    """The document declares 3.1, a bearer scheme, and requires it on the routes that write."""
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    secured = {
        (method, path)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if "security" in op
    }
    assert secured == {
        ("post", "/sync"),
        ("post", "/dead-letters/replay"),
        ("post", "/dead-letters/purge"),
        ("get", "/audit"),  # it names clients and token ids
    }


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    """Every ``$ref`` points at a schema under components.schemas."""
    refs = set(_refs(spec))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[-1] in spec["components"]["schemas"], ref


def test_every_schema_is_valid_json_schema(spec: dict[str, Any]) -> None:
    """Each component schema passes the JSON Schema 2020-12 meta-schema OpenAPI 3.1 uses."""
    for name, schema in spec["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/sync", {"200", "202", "400", "401", "403", "413", "422", "429", "503"}),
        ("get", "/items", {"200", "400", "404", "422", "503"}),
        ("get", "/items/{id}", {"200", "400", "404", "503"}),
        ("get", "/sources/{source}/items/{external_id}", {"200", "400", "404", "503"}),
        ("get", "/jobs", {"200", "400", "422", "503"}),
        ("get", "/jobs/{id}", {"200", "400", "404", "503"}),
        ("get", "/health", {"200", "503"}),
    ],
)
def test_each_operation_documents_its_statuses(
    spec: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    """Each operation lists every status its handler and the middlewares can answer."""
    assert set(spec["paths"][path][method]["responses"]) == statuses


def test_models_flow_into_parameters_and_bodies(spec: dict[str, Any]) -> None:
    """Query parameters, path parameters and the sync body come from the handlers' models."""
    items = spec["paths"]["/items"]["get"]
    params = {p["name"]: p for p in items["parameters"]}
    assert set(params) >= {
        *("limit", "offset", "after", "sort", "api_source", "include_deleted"),
        *("external_id", "name", "name_prefix", "updated_since", "changed_in_job"),
    }
    assert params["limit"]["schema"]["maximum"] == 100
    assert params["api_source"]["schema"] == {"const": "pokemon", "type": "string"}
    job = spec["paths"]["/jobs/{id}"]["get"]["parameters"][0]
    assert job == {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    body = spec["paths"]["/sync"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/SyncRequest"}
    too_many = spec["paths"]["/sync"]["post"]["responses"]["429"]
    assert "Retry-After" in too_many["headers"]


def _app_parts(api_type: str) -> tuple[dict[str, Any], HttpModels]:
    app = create_app(Settings(_env_file=None, api={"api_type": api_type}))
    return dict(orjson.loads(app[OPENAPI])), app[HTTP_MODELS]


def _allowed(schema: dict[str, Any]) -> list[str]:
    return list(schema["enum"]) if "enum" in schema else [schema["const"]]


@pytest.mark.parametrize("api_type", ["pokemon", "openweather", "pokemon,openweather"])
def test_source_enums_are_the_enabled_sources(api_type: str) -> None:
    """api_source and source list exactly the sources API_API_TYPE enables, in its order."""
    spec, _ = _app_parts(api_type)
    enabled = api_type.split(",")
    schemas = spec["components"]["schemas"]
    assert _allowed(schemas["ListSyncRequest"]["properties"]["api_source"]) == enabled
    items = {p["name"]: p for p in spec["paths"]["/items"]["get"]["parameters"]}
    jobs = {p["name"]: p for p in spec["paths"]["/jobs"]["get"]["parameters"]}
    assert _allowed(items["api_source"]["schema"]) == enabled
    assert _allowed(jobs["source"]["schema"]) == enabled
    details = {name for name in schemas if name.endswith("DetailSyncRequest")}
    assert details == {f"{source.capitalize()}DetailSyncRequest" for source in enabled}


def test_a_detail_sync_requires_its_id_in_the_description() -> None:
    """Each detail kind requires ``operation`` and ``params``, and its params require ``id``."""
    spec, _ = _app_parts("pokemon,openweather")
    schemas = spec["components"]["schemas"]
    for source in ("Pokemon", "Openweather"):
        assert {"operation", "params"} <= set(schemas[f"{source}DetailSyncRequest"]["required"])
        assert schemas[f"{source}DetailParams"]["required"] == ["id"]
    pokemon_id = schemas["PokemonDetailParams"]["properties"]["id"]["oneOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 2**63 - 1} in pokemon_id
    city = schemas["OpenweatherDetailParams"]["properties"]["id"]
    assert (city["minLength"], city["maxLength"]) == (1, 100)


SYNC_BODIES: list[object] = [
    {},
    [],
    "list",
    {"operation": "list"},
    {"operation": "explode"},
    {"operation": "detail"},
    {"operation": "detail", "params": {}},
    {"operation": "detail", "params": {"id": 25}},
    {"operation": "detail", "params": {"id": "25"}},
    {"operation": "detail", "params": {"id": "pikachu"}},
    {"operation": "detail", "params": {"id": "0" * 65}},
    {"operation": "detail", "params": {"id": "9" * 18}},
    {"operation": "detail", "params": {"id": "9" * 19}},
    {"operation": "detail", "params": {"id": 0}},
    {"operation": "detail", "params": {"id": 2**63 - 1}},
    {"operation": "detail", "params": {"id": 2**63}},
    {"operation": "detail", "params": {"id": True}},
    {"operation": "detail", "params": {"id": 1.0}},
    {"operation": "detail", "params": {"id": 1.5}},
    {"operation": "detail", "params": {"id": "25\n"}},
    {"operation": "detail", "params": {"id": 1, "extra": 1}},
    {"operation": "detail", "api_source": "openweather", "params": {"id": "London"}},
    {"operation": "detail", "api_source": "openweather", "params": {"id": "   "}},
    {"operation": "detail", "api_source": "openweather", "params": {"id": "\u3000"}},
    {"operation": "detail", "api_source": "openweather", "params": {"id": "Paris,Rome"}},
    {"operation": "detail", "api_source": "openweather", "params": {"id": "x" * 101}},
    {"operation": "detail", "api_source": "openweather", "params": {"id": 5}},
    {"operation": "detail", "api_source": "openweather"},
    {"operation": "detail", "api_source": {}, "params": {"id": 1}},
    {"api_source": ""},
    {"api_source": "openweather"},
    {"api_source": "digimon"},
    {"api_source": None},
    {"force_sync": True},
    {"force_sync": "true"},
    {"force_sync": 1},
    {"params": {"id": "1"}},
    {"params": {"limit": 100, "offset": 0}},
    {"params": {"limit": 101}},
    {"params": {"limit": "5"}},
    {"params": {"limit": None, "offset": None}},
    {"params": {"offset": 1.0}},
    {"params": {"offset": -1}},
    {"surprise": 1},
]


@pytest.mark.parametrize("api_type", ["pokemon", "openweather", "pokemon,openweather"])
def test_the_description_accepts_exactly_what_the_api_accepts(api_type: str) -> None:
    """For every body, the JSON Schema of /openapi.json and the handler's model agree."""
    spec, models = _app_parts(api_type)
    validator = jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/SyncRequest", "components": spec["components"]}
    )
    disagreements = []
    for body in SYNC_BODIES:
        described = validator.is_valid(body)
        try:
            models.sync_request.model_validate_json(json.dumps(body))
            accepted = True
        except ValidationError:
            accepted = False
        if described != accepted:
            disagreements.append((body, described, accepted))
    assert disagreements == []
