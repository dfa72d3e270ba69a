"""The JSON Schema of the format, from the models that load the files (editor completion)."""

from __future__ import annotations

from typing import Any

from shared.sources.declared.models import SourceDefinition


def json_schema() -> dict[str, Any]:
    """The schema of one definition file, as ``item-sync sources schema`` prints it."""
    schema = SourceDefinition.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "item-sync source definition",
        **{key: value for key, value in schema.items() if key != "title"},
    }
