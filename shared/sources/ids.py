"""Item ids are taken from URLs: ``.../pokemon/25/`` → ``25``."""

from __future__ import annotations

from urllib.parse import urlsplit


def id_from_url(url: str) -> str:
    """The last non-empty path segment of ``url``, which must be a whole number."""
    segments = [part for part in urlsplit(url).path.split("/") if part]
    if not segments or not (segments[-1].isascii() and segments[-1].isdigit()):
        raise ValueError(f"no numeric id at the end of {url!r}")
    return str(int(segments[-1]))
