"""The OpenAPI document: generated from the route table, complete, and self-consistent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import orjson
import pytest

from services.api.app import create_app
from services.api.keys import OPENAPI
from shared.config import Settings


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
        ("get", "/items", {"200", "400", "422", "503"}),
        ("get", "/items/{id}", {"200", "400", "404", "503"}),
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
    assert set(params) >= {"limit", "offset", "api_source", "include_deleted"}
    assert params["limit"]["schema"]["maximum"] == 100
    assert params["api_source"]["schema"] == {"type": "string"}
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
