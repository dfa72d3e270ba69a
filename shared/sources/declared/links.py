"""Upstream-supplied next-page URLs: RFC 8288 ``Link`` headers and where a URL points.

``<https://api.example/items?page=2>; rel="next", <https://api.example/items?page=9>; rel="last"``
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

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


def next_link_only(value: str | None, *, drop: set[str]) -> str | None:
    """What a walk keeps of a ``Link`` header: its next link alone, without the query
    parameters ``drop`` names (an auth key echoed by upstream), or None when there is none.

    It reads back as the header it stands for: ``next_link`` finds the same page.
    """
    target = next_link(value) if value else None
    if target is None:
        return None
    return f'<{without_params(target, drop)}>; rel="next"'


def without_params(url: str, names: set[str]) -> str:
    """``url`` without the query parameters ``names``; untouched when it has none of them
    (re-encoding could change how upstream wrote it)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k in names for k, _ in pairs):
        return url
    kept = [(k, v) for k, v in pairs if k not in names]
    return parts._replace(query=urlencode(kept)).geturl()


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: where a request goes."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:  # a port out of range or not a number: matches no base_url
        port = -1
    return parts.scheme, (parts.hostname or "").lower(), port


def origin_text(url: str) -> str:
    """Scheme, host and port only: the rest of an upstream URL may carry a key."""
    scheme, host, port = origin(url)
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host or '?'}" + (f":{port}" if port != default else "")


def with_query(url: str, params: Mapping[str, str]) -> tuple[str, frozenset[tuple[str, str]]]:
    """A URL and its parameters as one comparable value, wherever the query was written."""
    parts = urlsplit(url)
    pairs = set(params.items()) | set(parse_qsl(parts.query, keep_blank_values=True))
    return parts._replace(query="", fragment="").geturl(), frozenset(pairs)
