"""RFC 8288 ``Link`` headers: ``<https://api.example/items?page=2>; rel="next", <…>``."""

from __future__ import annotations

import re

_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PARAM = re.compile(rf'\s*;\s*({_NAME})\s*(?:=\s*("(?:[^"\\]|\\.)*"|{_NAME}))?')
_TARGET = re.compile(r"\s*,?\s*<([^>]*)>")


def parse_links(value: str) -> list[tuple[str, dict[str, str]]]:
    """Each link's target and its parameters (names lower-cased, quotes removed)."""
    links: list[tuple[str, dict[str, str]]] = []
    position = 0
    while True:
        target = _TARGET.match(value, position)
        if target is None:
            return links
        position = target.end()
        params: dict[str, str] = {}
        while (param := _PARAM.match(value, position)) is not None:
            raw = param[2] or ""
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            params.setdefault(param[1].lower(), raw)  # RFC 8288: the first occurrence counts
            position = param.end()
        links.append((target[1].strip(), params))
        # Skip what this parser does not understand, up to the next link.
        following = value.find(",", position)
        if following < 0:
            return links
        position = following


def next_link(value: str) -> str | None:
    """The target of the first link whose ``rel`` holds ``next``, if any."""
    for target, params in parse_links(value):
        if "next" in params.get("rel", "").lower().split():
            return target
    return None
