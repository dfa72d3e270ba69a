"""Turning query strings into models: repeated keys are refused, types checked by pydantic."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from shared.errors import InvalidRequest

Query = TypeVar("Query", bound=BaseModel)


def parse_query(request: web.Request, model: type[Query]) -> Query:
    """Validate the query string against ``model`` (422 naming the field on failure)."""
    values: dict[str, str] = {}
    for key, value in request.query.items():
        if key in values:
            raise InvalidRequest(f"query parameter {key!r} is given twice", field=key)
        values[key] = value
    return model.model_validate(values)
