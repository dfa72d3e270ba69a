"""A fake upstream for unit tests: aioresponses, and PokeAPI answers built from the fixtures."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from re import Pattern
from typing import Any, Self

import aiohttp
from aiohttp import StreamReader, hdrs
from aioresponses import aioresponses
from yarl import URL

POKEMON_DIR = Path(__file__).parents[1] / "fixtures" / "pokeapi" / "api" / "v2" / "pokemon"
BASE_URL = "http://pokeapi.test/api/v2"


class _SentRequestWriter:
    """Stands in for the stream writer of a request that has already been sent."""

    output_size = 0


class CompatResponse(aiohttp.ClientResponse):
    """A response aioresponses 0.7.9 can build under aiohttp 3.14 (aioresponses issue #289).

    aioresponses does not pass the new ``stream_writer``, and feeds the whole body into
    a reader whose fake protocol cannot pause, so bodies over 128 KiB fail an assert.
    """

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _SentRequestWriter())
        super().__init__(method, url, **kwargs)

    @property
    def content(self) -> StreamReader:
        """The body stream."""
        return self._body_stream

    @content.setter
    def content(self, reader: StreamReader) -> None:
        # Same protocol and loop, but a limit no recorded fixture reaches.
        self._body_stream = StreamReader(reader._protocol, limit=2**30, loop=reader._loop)


class FakeUpstream(aioresponses):
    """``aioresponses`` whose answers work with aiohttp 3.14."""

    def __enter__(self) -> Self:
        super().__enter__()
        return self

    def add(  # type: ignore[override]  # the parent's keywords pass through **kwargs
        self, url: URL | str | Pattern[str], method: str = hdrs.METH_GET, **kwargs: Any
    ) -> None:
        """Register one answer, built with ``CompatResponse``."""
        kwargs.setdefault("response_class", CompatResponse)
        super().add(url, method, **kwargs)


@cache
def detail_body(external_id: int) -> bytes:
    """The recorded ``/pokemon/{id}/`` body, byte-exactly."""
    return (POKEMON_DIR / str(external_id) / "index.json").read_bytes()


def detail_json(external_id: int) -> dict[str, Any]:
    """The recorded ``/pokemon/{id}/`` document, parsed."""
    document: dict[str, Any] = json.loads(detail_body(external_id))
    return document


@cache
def _listed() -> list[dict[str, str]]:
    results: list[dict[str, str]] = json.loads((POKEMON_DIR / "index.json").read_bytes())["results"]
    return results


def list_page(
    offset: int, limit: int, *, count: int | None = None, base_url: str = BASE_URL
) -> dict[str, Any]:
    """A ``/pokemon?offset&limit`` answer shaped like the real API, with absolute URLs."""
    total = len(_listed()) if count is None else count
    host = base_url.removesuffix("/api/v2")
    window = _listed()[:total][offset : offset + limit]
    results = [{"name": entry["name"], "url": host + entry["url"]} for entry in window]
    following = offset + limit
    return {
        "count": total,
        "next": f"{base_url}/pokemon?offset={following}&limit={limit}"
        if following < total
        else None,
        "previous": f"{base_url}/pokemon?offset={max(offset - limit, 0)}&limit={limit}"
        if offset > 0
        else None,
        "results": results,
    }


def list_url(offset: int, limit: int, base_url: str = BASE_URL) -> str:
    """The URL the source requests for one list page, query sorted as aioresponses records it."""
    return f"{base_url}/pokemon?limit={limit}&offset={offset}"


def detail_url(external_id: int | str, base_url: str = BASE_URL) -> str:
    """The URL the source requests for one detail."""
    return f"{base_url}/pokemon/{external_id}/"


def serve_details(upstream: FakeUpstream, ids: range | list[int]) -> None:
    """Answer each id's detail once with its recorded body."""
    for external_id in ids:
        upstream.get(detail_url(external_id), body=detail_body(external_id))
