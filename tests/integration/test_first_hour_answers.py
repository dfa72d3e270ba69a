"""The API's answers to a newcomer's first mistakes say what to do next."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient


@pytest.mark.parametrize("header", ["Bearer ", "Bearer", "bearer    "])
async def test_an_empty_bearer_token_is_called_empty(
    api_client: TestClient[Any, Any], header: str
) -> None:
    """`Authorization: Bearer $API_TOKEN` with the variable unset answers 401 saying so."""
    response = await api_client.post("/sync", json={}, headers={"Authorization": header})
    assert response.status == 401
    message = (await response.json())["error"]["message"]
    assert "empty" in message
    assert "API_TOKEN" in message
    assert "***" not in message  # the advice itself must not read as a credential to mask


async def test_a_missing_header_still_asks_for_a_token(api_client: TestClient[Any, Any]) -> None:
    """No Authorization header at all keeps the plain 'a bearer token is required'."""
    response = await api_client.post("/sync", json={})
    assert response.status == 401
    assert "required" in (await response.json())["error"]["message"]


async def test_a_source_not_enabled_names_api_api_type(api_client: TestClient[Any, Any]) -> None:
    """POST /sync for openweather while API_API_TYPE=pokemon says how to enable it."""
    response = await api_client.post(
        "/sync",
        json={"api_source": "openweather", "operation": "list"},
        headers={"Authorization": "Bearer test-token"},
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert "API_API_TYPE=pokemon,openweather" in error["message"]
    assert error["details"][0]["field"] == "api_source"
