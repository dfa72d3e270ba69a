"""Paginator tests' shared pieces: a base URL, a paginator and a definition from plain keys."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.paginators import Paginator

BASE = "https://api.example/v1"
URL = f"{BASE}/items"


PAGINATOR: TypeAdapter[Paginator] = TypeAdapter(Paginator)


def make_paginator(**keys: Any) -> Paginator:
    return PAGINATOR.validate_python(keys)


def make_definition(paginator: dict[str, Any], **extra: Any) -> SourceDefinition:
    list_spec = {"path": "/items", "paginator": paginator, "records": "items", "id": "id"}
    list_spec.update(extra.pop("list", {}))
    return SourceDefinition.model_validate(
        {"name": "s", "base_url": BASE, "list": list_spec, **extra}
    )
