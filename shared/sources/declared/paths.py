"""Paths into a JSON body: dotted keys with numeric indexes (``results.0.url``), ``$`` the body.

A path is checked when the definition loads (``JsonPath``) and followed in each answer
(``select``); an absent path is a ``PageShapeError`` naming the path and where it stopped.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import AfterValidator, WithJsonSchema

from shared.sources.declared.errors import PageShapeError

WHOLE_BODY: Final = "$"
_SEGMENT = r"[^.\s${}]+"  # no dots, blanks, '$' or braces: those mean something else
PATH_PATTERN: Final = rf"^(\$|{_SEGMENT}(\.{_SEGMENT})*)$"
PATH_HELP: Final = "a path is dotted keys with numeric indexes (data.items, results.0.url) or $"
_PATH = re.compile(PATH_PATTERN)


class _Missing:
    """The answer has nothing at the path (unlike JSON null, which is a value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def check_path(value: str) -> str:
    """``value`` when it is a well-formed path; a ValueError that says what is allowed."""
    if not _PATH.match(value):
        raise ValueError(f"{value!r} is not a path; {PATH_HELP}")
    return value


JsonPath = Annotated[
    str,
    AfterValidator(check_path),
    WithJsonSchema({"type": "string", "pattern": PATH_PATTERN, "description": PATH_HELP}),
]


def find(body: Any, path: str) -> Any:
    """The value at ``path`` in ``body``, or ``MISSING`` when the answer has none there."""
    if path == WHOLE_BODY:
        return body
    return walk(body, path.split("."))


def walk(value: Any, segments: list[str]) -> Any:
    """The value down ``segments`` (keys, and indexes into lists), or ``MISSING``."""
    for segment in segments:
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return MISSING
    return value


def select(body: Any, path: str) -> Any:
    """The value at ``path`` in ``body``; a ``PageShapeError`` naming the path when absent."""
    value = find(body, path)
    if value is MISSING:
        raise PageShapeError(f"path {path!r} is absent from the answer ({_where(body, path)})")
    return value


def _where(body: Any, path: str) -> str:
    """Where following ``path`` stopped, in words: the first segment that was not there."""
    value = body
    done: list[str] = []
    for segment in path.split("."):
        at = ".".join(done) or WHOLE_BODY
        if isinstance(value, dict):
            if segment not in value:
                return f"no key {segment!r} at {at}"
            value = value[segment]
        elif isinstance(value, list):
            if not segment.isdigit():
                return f"{at} is a list, and {segment!r} is not an index"
            if int(segment) >= len(value):
                return f"{at} has {len(value)} elements, no index {segment}"
            value = value[int(segment)]
        else:
            return f"{at} is {describe(value)}, not an object or a list"
        done.append(segment)
    return "found"  # unreachable when ``find`` returned MISSING


def describe(value: Any) -> str:
    """What kind of JSON value this is, in words, without repeating the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a number" if isinstance(value, int | float) else "text"
