"""Request templates: ``/pokemon/{id}/``, ``{record.owner.login}``, ``{city}``.

Placeholders are found when the definition loads, so an unknown one is an error there;
filling them in escapes each value, so a value can never add a path segment or a query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
RECORD_PREFIX = "record."


def placeholders(template: str) -> list[str]:
    """The names between braces in ``template``; a ValueError for an unpaired brace."""
    names = _PLACEHOLDER.findall(template)
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise ValueError("has an unpaired brace; a placeholder is {name}")
    return names


def check_request_path(value: str) -> str:
    """A request path starts with ``/`` and is joined to ``base_url``: never a whole URL."""
    if not value.startswith("/") or "://" in value or value.startswith("//"):
        raise ValueError(f"{value!r} is not a request path; it starts with / (e.g. /items)")
    return value


def fill(template: str, values: Mapping[str, str], *, in_path: bool) -> str:
    """``template`` with each ``{name}`` replaced; in a path each value is percent-encoded."""

    def one(match: re.Match[str]) -> str:
        value = values[match[1]]
        return quote(value, safe="") if in_path else value

    return _PLACEHOLDER.sub(one, template)
