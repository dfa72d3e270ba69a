"""The JSON Schema of the format, from the models that load the files (editor completion).

Substitution runs before validation, so any value may be written as an expression
(``limit: ${PAGE_SIZE:-20}``): the schema lets each number, boolean and patterned string
be such an expression too, or an editor would flag the format's own examples.
"""

from __future__ import annotations

from typing import Any

from shared.sources.declared.models import SourceDefinition

_EXPRESSION = {"type": "string", "pattern": r"\$\{", "description": "${VAR}, ${VAR:-default}"}
_SUBSTITUTABLE = ("integer", "number", "boolean")


def json_schema() -> dict[str, Any]:
    """The schema of one definition file, as ``item-sync sources schema`` prints it."""
    schema = SourceDefinition.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "item-sync source definition",
        **{key: _with_expressions(value) for key, value in schema.items() if key != "title"},
    }


def _with_expressions(node: Any) -> Any:
    """``node`` with every scalar schema also accepting an expression string."""
    if isinstance(node, list):
        return [_with_expressions(item) for item in node]
    if not isinstance(node, dict):
        return node
    walked = {key: _with_expressions(value) for key, value in node.items()}
    kind = walked.get("type")
    if kind in _SUBSTITUTABLE or (kind == "string" and "pattern" in walked):
        keep = {k: v for k, v in walked.items() if k not in ("title", "default", "description")}
        label = {k: v for k, v in walked.items() if k in ("title", "default", "description")}
        return {**label, "anyOf": [keep, _EXPRESSION]}
    return walked
