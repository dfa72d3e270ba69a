"""A problem in a definition is one line: the file, the key path, what is wrong and allowed.

``problems_from`` turns pydantic's errors into such lines. It leaves out union tags
(``list.paginator.offset.limit`` is ``list.paginator.limit``), lists the allowed keys for
an unknown one, and never repeats the input: a value under ``auth`` is a secret.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from shared.errors import ConfigError
from shared.sources.declared.auth import AUTH_TYPES
from shared.sources.declared.models import KeyedError, SourceDefinition
from shared.sources.declared.paginators import PAGINATOR_TYPES

_TAGS = {"paginator": PAGINATOR_TYPES, "auth": AUTH_TYPES}  # union field -> its tags
_SHAPES = {"id": "a path, or {path, pattern}", "auth": "none, or a mapping with a type"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file; ``key`` is empty when it is the whole file."""

    file: Path
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.key}: {self.message}"
            if self.key
            else f"{self.file}: {self.message}"
        )


class DefinitionError(ConfigError):
    """Definitions that cannot be loaded; the message is one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def problems_from(file: Path, error: ValidationError) -> list[Problem]:
    """One ``Problem`` per pydantic error of validating ``file`` as a ``SourceDefinition``."""
    return [_problem(file, detail) for detail in error.errors(include_input=False)]


def _problem(file: Path, detail: ErrorDetails) -> Problem:
    raw = detail["loc"]
    key = [str(part) for i, part in enumerate(raw) if not _is_tag(raw, i) and part != "[key]"]
    ctx = detail.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, KeyedError):
        key.extend(cause.key.split("."))
    if detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
        key.append("type")  # the tag is what is wrong, not the mapping
    return Problem(file, ".".join(key), _message(detail, raw, ctx))


def _is_tag(loc: tuple[int | str, ...], index: int) -> bool:
    return index > 0 and loc[index] in _TAGS.get(str(loc[index - 1]), ())


def _message(detail: ErrorDetails, loc: tuple[int | str, ...], ctx: dict[str, Any]) -> str:
    kind, last = detail["type"], str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        return "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return "required, and missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        choices = ", ".join(_TAGS.get(last, ()))
        found = f"unknown type {ctx['tag']!r}" if "tag" in ctx else "needs a type"
        return f"{found}; choose one of: {choices}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx['pattern']}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be {_SHAPES.get(last, 'a mapping of keys')}"
    if kind == "value_error" and _cause_text(ctx):
        return _cause_text(ctx)
    return str(detail["msg"])


def _cause_text(ctx: dict[str, Any]) -> str:
    """The text of the ValueError a validator raised, without pydantic's prefix."""
    cause = ctx.get("error")
    return str(cause) if isinstance(cause, Exception) else ""


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the mapping at ``loc[:-1]`` accepts, found by walking the models."""
    current: Any = SourceDefinition
    for part in loc[:-1]:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            current = _models_of(fields[str(part)].annotation) if str(part) in fields else None
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        keys = [f.alias or name for name, f in current.model_fields.items()]
        return sorted(keys, key=lambda key: key != "type")  # the rest as declared
    return []


def _models_of(annotation: Any) -> Any:
    """The model a field holds; a union of models is a dict by their ``type`` tag."""
    members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) == 1:
        return models[0]
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in models} or None


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)
