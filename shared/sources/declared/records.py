"""From an answer to items: the records, each record's id and name, and detail paths."""

from __future__ import annotations

import re
from typing import Any

from shared.sources.declared.errors import PageShapeError
from shared.sources.declared.models import IdSpec
from shared.sources.declared.paths import MISSING, describe, find, select
from shared.sources.declared.templates import RECORD_PREFIX, fill, placeholders

NAME_CHARS = 255  # items.name holds 255 characters; the payload keeps the whole name
ID_CHARS = 191  # items.external_id is a 191-character key


def extract_records(body: Any, path: str) -> list[Any]:
    """The records at ``path``: a list gives its elements, an object is one record."""
    found = select(body, path)
    if isinstance(found, list):
        return found
    if isinstance(found, dict):
        return [found]
    raise PageShapeError(f"records {path!r} is {describe(found)}, not a list or an object")


def record_id(record: Any, spec: IdSpec) -> str:
    """The id at ``spec.path``, or the group ``spec.pattern`` finds in it; never empty."""
    value = select(record, spec.path)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PageShapeError(f"id {spec.path!r} is {describe(value)}, not text or a whole number")
    text = str(value)
    if spec.pattern is not None:
        match = re.search(spec.pattern, text)
        if match is None or match[1] is None:
            raise PageShapeError(f"id {spec.path!r} does not match the pattern {spec.pattern!r}")
        text = match[1]
    if not text or len(text) > ID_CHARS:
        raise PageShapeError(f"id {spec.path!r} is empty or longer than {ID_CHARS} characters")
    return text


def record_name(record: Any, path: str | None) -> str:
    """The display name at ``path``; empty without a path, or when the record has none."""
    if path is None:
        return ""
    value = find(record, path)
    if value is MISSING or value is None:
        return ""  # a name only helps people read the table: its absence fails nothing
    if isinstance(value, dict | list):
        raise PageShapeError(f"name {path!r} is {describe(value)}, not text")
    return str(value)[:NAME_CHARS]


def detail_path(template: str, *, item_id: str, record: Any = None) -> str:
    """``template`` with ``{id}`` and ``{record.<path>}`` filled in, each value escaped.

    A detail sync started by id has no list record: then only ``{id}`` can be filled.
    """
    values: dict[str, str] = {}
    for name in placeholders(template):
        if name == "id":
            values[name] = item_id
            continue
        if record is None:
            raise PageShapeError(f"detail path needs {{{name}}}, and there is no list record")
        value = select(record, name.removeprefix(RECORD_PREFIX))
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise PageShapeError(f"{{{name}}} is {describe(value)}, not text or a number")
        values[name] = str(value)
    return fill(template, values, in_path=True)
