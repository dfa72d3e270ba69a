"""JSON answers: one way to render models and errors."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from shared.models.http import ErrorBody, ErrorDetail, ErrorOut
from shared.observability.redaction import redact

JSON = "application/json"


def json_response(model: BaseModel, *, status: int = 200) -> web.Response:
    """A model as a JSON answer."""
    return web.Response(body=model.model_dump_json().encode(), status=status, content_type=JSON)


def raw_json_response(body: bytes, *, status: int = 200) -> web.Response:
    """Pre-rendered JSON bytes as an answer."""
    return web.Response(body=body, status=status, content_type=JSON)


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[ErrorDetail] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """``{"error": {code, message, details}}`` with ``status``; messages masked (they may echo
    input or a library's error text)."""
    masked = [
        detail.model_copy(update={"message": redact(detail.message)}) for detail in details or []
    ]
    body = ErrorOut(error=ErrorBody(code=code, message=redact(message), details=masked))
    response = json_response(body, status=status)
    if headers:
        response.headers.update(headers)
    return response
