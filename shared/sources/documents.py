"""Upstream JSON documents: the text as received, its content hash, and the parsed value.

The text is what gets stored and served, byte for byte. The hash is the sha256 of the
canonical form (sorted keys, no whitespace), so a change of key order or spacing alone
is no change. orjson reads most documents; it turns integers past 64 bits into floats
and refuses lone surrogate escapes, so documents with long digit runs, and those orjson
refuses, are read again by the standard library, which keeps integers exact.

A body that is cut off or is not JSON is a transient error (retried: the next answer
may be whole). A body that is whole, valid JSON we cannot store (not UTF-8, a lone
surrogate that no UTF-8 text can hold) is permanent: that item fails, nothing else.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.sources.validators import Validator
from shared.values.hashing import canonical_json, hash_bytes

# Integers orjson may turn into floats have 19 or more digits; a run inside a string
# only sends the document the slower, exact way. The run is found by mapping every digit
# to "0" and every other byte to " ", then one substring search: about 14x faster than
# the regex ``[0-9]{19}``, which cost five times orjson's parse of the same document.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def has_long_digit_run(body: bytes) -> bool:
    """Whether ``body`` holds 19 or more ASCII digits in a row."""
    return _LONG_RUN in body.translate(_DIGITS_ONLY)


@dataclass(frozen=True)
class JsonDocument:
    """One upstream JSON body: parsed (or its summary), as received, and its content hash.

    With ``whole=False`` the parsed value is dropped at once and ``value`` keeps only an
    object's top-level scalars (``None`` for anything but an object): a page of details
    then holds their texts, not the Python objects of every multi-MB document.
    """

    value: Any
    text: str
    content_hash: str
    validator: Validator | None = None  # what upstream sent to ask "changed since?" next time
    link: str | None = None  # the answer's ``Link`` header(s), for a walk that follows it


def parse_document(body: bytes, *, what: str, whole: bool = True) -> JsonDocument:
    """Parse ``body``; ``what`` names the call in errors (never the URL)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end >= len(body):  # cut off inside a character: the next answer may be whole
            raise TransientUpstreamError(f"{what}: response is not valid JSON") from None
        raise PermanentUpstreamError(f"{what}: body is not UTF-8 (at byte {exc.start})") from None
    if not has_long_digit_run(body):
        with _collector_paused():
            try:
                value = orjson.loads(body)
            except orjson.JSONDecodeError:
                pass  # broken, or a lone surrogate: the exact reader tells which
            else:
                digest = hash_bytes(canonical_json(value))
                kept = value if whole else _summary(value)
                del value  # a detail's tree is freed before collection resumes; a kept one
                # (``whole``: a list page, small) is walked once when it does
                return JsonDocument(kept, text, digest)
    return _exact_document(text, what, whole)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a document is parsed and hashed.

    A parsed document is a tree (it cannot hold a cycle) and reference counting frees
    it; but the tens of thousands of objects a large one allocates set off collections
    that walk every live object, the other documents in flight too. With 32 details in
    flight that doubled the cost of parsing (3.1 -> 7.9 ms for a 586 KB document).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _summary(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {key: item for key, item in value.items() if not isinstance(item, dict | list)}


def _exact_document(text: str, what: str, whole: bool) -> JsonDocument:
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise TransientUpstreamError(f"{what}: response is not valid JSON") from exc
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        encoded = canonical.encode("utf-8")
    except UnicodeEncodeError:
        raise PermanentUpstreamError(
            f"{what}: JSON holds a lone surrogate escape, which UTF-8 text cannot store"
        ) from None
    return JsonDocument(value if whole else _summary(value), text, hash_bytes(encoded))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # the stdlib reads NaN and Infinity; JSON has none
