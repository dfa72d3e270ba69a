"""OpenAPI 3.1 from the route table and the very pydantic models the handlers use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from services.api.routes import RawBody, Route

REF_TEMPLATE = "#/components/schemas/{model}"
BEARER = "bearerAuth"
_JSON = "application/json"
_DESCRIPTIONS = {
    200: "OK",
    202: "Accepted",
    400: "The request is not valid (the offending field is named)",
    401: "A bearer token is required",
    403: "The token is not valid, or writes are disabled",
    404: "Not found",
    413: "The body is larger than API_MAX_BODY_BYTES",
    422: "A field failed validation (the field is named)",
    429: "Too many requests; see Retry-After",
    503: "A dependency (Redis or MySQL) is unavailable",
}

Spec = dict[str, Any]


def build_openapi(routes: Iterable[Route], *, title: str, version: str) -> Spec:
    """The OpenAPI 3.1 document of ``routes``; every model lands in ``components.schemas``."""
    routes = list(routes)
    refs, schemas = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {BEARER: {"type": "http", "scheme": "bearer"}},
        },
    }


_Key = tuple[type[BaseModel], Literal["validation", "serialization"]]


def _schemas(routes: list[Route]) -> tuple[dict[Any, Any], dict[str, Any]]:
    wanted: dict[_Key, None] = {}
    for route in routes:
        for model in (route.query, route.body):
            if model is not None:
                wanted[(model, "validation")] = None
        for body in route.responses.values():
            if not isinstance(body, RawBody):
                wanted[(body, "serialization")] = None
    inputs: list[tuple[type[BaseModel], JsonSchemaMode]] = list(wanted)
    refs, defs = models_json_schema(inputs, ref_template=REF_TEMPLATE)
    return dict(refs), dict(defs.get("$defs", {}))


def _operation(route: Route, refs: Mapping[_Key, Any], schemas: Mapping[str, Any]) -> Spec:
    operation: Spec = {
        "operationId": f"{route.method.lower()}_{_slug(route.path)}",
        "summary": route.summary,
        "tags": list(route.tags),
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": dict(schema)}
            for name, schema in route.path_params.items()
        ]
        + (_query_parameters(refs[(route.query, "validation")], schemas) if route.query else []),
        "responses": {
            str(status): _response(status, body, refs) for status, body in route.responses.items()
        },
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {_JSON: {"schema": refs[(route.body, "validation")]}},
        }
    if route.auth:
        operation["security"] = [{BEARER: []}]
    return operation


def _response(status: int, body: type[BaseModel] | RawBody, refs: Mapping[_Key, Any]) -> Spec:
    if isinstance(body, RawBody):
        content = {body.content_type: {"schema": dict(body.schema)}}
    else:
        content = {_JSON: {"schema": refs[(body, "serialization")]}}
    answer: Spec = {"description": _DESCRIPTIONS.get(status, "Answer"), "content": content}
    if status == 429:
        answer["headers"] = {
            "Retry-After": {
                "description": "Seconds until the window ends",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return answer


def _query_parameters(ref: Mapping[str, Any], schemas: Mapping[str, Any]) -> list[Spec]:
    schema = schemas[str(ref["$ref"]).rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _not_null(prop),
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _not_null(prop: Mapping[str, Any]) -> Spec:
    # A query string cannot carry null: an optional parameter is simply left out.
    schema = {k: v for k, v in prop.items() if k not in ("title", "description")}
    options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if schema.get("default", 0) is None:
        del schema["default"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    return schema


def _slug(path: str) -> str:
    return (
        "_".join(part.strip("{}").replace(".", "_") for part in path.split("/") if part) or "root"
    )
