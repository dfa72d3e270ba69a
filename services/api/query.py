"""Query strings into models: repeated and unknown keys are refused, types checked by pydantic."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from shared.errors import InvalidRequest

Query = TypeVar("Query", bound=BaseModel)


def parse_query(request: web.Request, model: type[Query]) -> Query:
    """Validate the query string against ``model`` (422 naming the field on failure)."""
    values: dict[str, str] = {}
    for key, value in request.query.items():
        if key in values:
            raise InvalidRequest(f"query parameter {key!r} is given twice", field=key)
        values[key] = value
    unknown = [key for key in values if key not in model.model_fields]
    if unknown:
        allowed = ", ".join(model.model_fields)
        raise ValidationError.from_exception_data(
            model.__name__,
            [
                {
                    "type": PydanticCustomError(
                        "unknown_parameter",
                        "unknown query parameter; the allowed ones are: {allowed}",
                        {"allowed": allowed},
                    ),
                    "loc": (key,),
                    "input": values[key],
                }
                for key in unknown
            ],
        )
    return model.model_validate(values)
