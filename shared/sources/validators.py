"""HTTP validators: what an upstream sent with a body, to be sent back as a condition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_ETAG_CHARS = 255  # the width of the items.etag column
MAX_LAST_MODIFIED_CHARS = 64
# What a header value may hold to be sent back: visible ASCII, space and tab. An answer
# can carry other control characters, which the HTTP client then refuses to send.
_SENDABLE = re.compile(r"[\t\x20-\x7e]*")


@dataclass(frozen=True)
class Validator:
    """An ETag and/or Last-Modified value exactly as upstream sent them."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Validator | None:
        """The answer's validators; None when it sent none we can store."""
        etag = _usable(headers.get("ETag"), MAX_ETAG_CHARS)
        last_modified = _usable(headers.get("Last-Modified"), MAX_LAST_MODIFIED_CHARS)
        if etag is None and last_modified is None:
            return None
        return cls(etag=etag, last_modified=last_modified)

    def condition_headers(self) -> dict[str, str]:
        """The request headers that ask for a 304 when nothing changed.

        A stored value that cannot be sent (kept before it was checked) is left out: the
        request is then unconditional, and its answer's validators replace it.
        """
        headers: dict[str, str] = {}
        if self.etag and _sendable(self.etag):
            headers["If-None-Match"] = self.etag
        if self.last_modified and _sendable(self.last_modified):
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _usable(value: str | None, limit: int) -> str | None:
    # A value too long to store would never match again, and one that cannot be sent
    # would fail every later request: better not to keep either.
    if value is None or not value.strip() or len(value) > limit or not _sendable(value):
        return None
    return value.strip()


def _sendable(value: str) -> bool:
    return _SENDABLE.fullmatch(value) is not None


@dataclass(frozen=True)
class NotModified:
    """Upstream answered 304: the body we hold for the validators sent is still current.

    ``link`` is the 304's own ``Link`` header, when it sent one: a walk that follows it
    reads the current one there rather than the stored answer's.
    """

    link: str | None = None


NOT_MODIFIED = NotModified()
