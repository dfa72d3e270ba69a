"""Upstream bodies as stored: exact text, exact integers, and unreadable details as failed items."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from redis.asyncio import Redis

from shared.config import Settings
from shared.errors import JobFailedError, PermanentUpstreamError, TransientUpstreamError
from shared.models.commands import PageCommand
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.documents import has_long_digit_run, parse_document
from shared.sources.registry import build_declared_fetcher
from shared.values.hashing import content_hash
from tests.unit.declared_helpers import builtin, list_command
from tests.unit.fake_upstream import (
    BASE_URL,
    FakeUpstream,
    detail_url,
    list_page,
    list_url,
    serve_details,
)

POKEMON = "pokemon"
ENV = {"POKEAPI_BASE_URL": BASE_URL, "POKEAPI_MAX_ITEMS": "1000", "POKEAPI_RATE_LIMIT": "0"}
BIG = "123456789012345678901234567890"


@pytest.fixture
async def source(redis: Redis) -> AsyncIterator[DeclaredFetcher]:
    """The real source over a real client session, pointed at ``http://pokeapi.test``."""
    async with aiohttp.ClientSession() as session:
        settings = Settings(_env_file=None)
        yield build_declared_fetcher(builtin(POKEMON, ENV), settings, session, redis)


def ListCommand(offset: int, limit: int, *, fan_out: bool = False) -> PageCommand:
    """The built-in pokemon definition's list page."""
    return list_command(BASE_URL, "/pokemon", offset, limit, fan_out=fan_out)


def test_an_ordinary_document_hashes_as_before() -> None:
    """The hash of a body is the sha256 of its canonical JSON, as rows stored earlier have."""
    body = b'{"b": [1, 2.5, "\\u00e9"], "a": {"y": null, "x": true}}'
    document = parse_document(body, what="t")
    assert document.text == body.decode()
    assert document.content_hash == content_hash(json.loads(body))


def test_key_order_and_spacing_do_not_change_the_hash() -> None:
    """Two texts of the same data share a hash; the text kept is each one as received."""
    first = parse_document(b'{"a":1,"b":[1,2]}', what="t")
    second = parse_document(b'{ "b": [1, 2],\n  "a": 1 }', what="t")
    assert first.content_hash == second.content_hash
    assert second.text == '{ "b": [1, 2],\n  "a": 1 }'


def test_integers_past_64_bits_are_kept_exactly() -> None:
    """A 30-digit integer is read exactly, and a change in its last digit is a change."""
    document = parse_document(f'{{"n": {BIG}}}'.encode(), what="t")
    assert document.value == {"n": int(BIG)}
    changed = parse_document(f'{{"n": {BIG[:-1]}1}}'.encode(), what="t")
    assert changed.content_hash != document.content_hash


@pytest.mark.parametrize(
    ("body", "long"),
    [
        (b"1" * 19, True),
        (b"1" * 18, False),
        (b'{"n": 123456789012345678}', False),  # 18 digits: orjson reads it exactly
        (b'{"n": 1234567890123456789}', True),
        (b'{"n": -1234567890123456789.5}', True),
        (b"9" * 18 + b"a" + b"9" * 18, False),
        (b"\x00\xff" + b"0123456789" * 2, True),
        (b"", False),
    ],
)
def test_a_run_of_19_digits_is_found_anywhere(body: bytes, long: bool) -> None:
    """The check that sends a document the exact way: 19 ASCII digits in a row, no fewer."""
    assert has_long_digit_run(body) is long
    assert (re.search(rb"[0-9]{19}", body) is not None) is long  # the definition it keeps


@pytest.mark.parametrize(
    "body", [b'{"name": "x\\ud800"}', b'{"name": "\\udfff tail"}', b'{"a": "\xff\xfe"}']
)
def test_a_whole_body_that_cannot_be_stored_is_permanent(body: bytes) -> None:
    """A lone surrogate escape or invalid UTF-8 is a permanent error, not a retry."""
    with pytest.raises(PermanentUpstreamError):
        parse_document(body, what="t")


@pytest.mark.parametrize(
    "body", [b'{"name": "cut', b"", b"NaN", b'{"a": Infinity}', '{"name": "é'.encode()[:-1]]
)
def test_a_broken_body_is_transient(body: bytes) -> None:
    """A cut-off or non-JSON body is retried: the next answer may be whole."""
    with pytest.raises(TransientUpstreamError):
        parse_document(body, what="t")


async def test_a_detail_with_a_lone_surrogate_fails_alone(
    source: DeclaredFetcher, upstream: FakeUpstream, redis: Redis
) -> None:
    """The unreadable detail is a failed item, the rest of its page lands, the breaker rests."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 3])
    upstream.get(detail_url(2), body=b'{"id": 2, "name": "bad\\ud800"}')

    page = await source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "3"]
    assert [failure.external_id for failure in page.failed] == ["2"]
    assert "lone surrogate" in page.failed[0].error
    assert await redis.hget(f"itemsync:breaker:{POKEMON}", "failures") in (None, b"0")


async def test_a_detail_keeps_its_text_and_big_integers(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """The payload is the body's text as received, a 30-digit integer included."""
    body = f'{{"id": 1, "name": "big", "n": {BIG}, "s": "\\u0000\'\\\\"}}'
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    upstream.get(detail_url(1), body=body.encode())

    page = await source.fetch(ListCommand(offset=0, limit=1))

    assert page.items[0].payload == body
    assert json.loads(page.items[0].payload)["n"] == int(BIG)


async def test_a_list_count_above_the_limit_fails_the_job(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A count above POKEAPI_MAX_ITEMS (the definition's max_items) fails the job before any
    detail or command."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3, count=50_000_000))

    with pytest.raises(JobFailedError, match=r"total 50000000 is above paginator\.max_items=1000"):
        await source.fetch(ListCommand(offset=0, limit=3, fan_out=True))

    assert all("/pokemon/" not in str(url) for _, url in upstream.requests)
