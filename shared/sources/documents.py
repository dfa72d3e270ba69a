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

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.sources.validators import Validator
from shared.values.hashing import canonical_json, hash_bytes

# Integers orjson may turn into floats have 19 or more digits; a match inside a string
# only sends the document the slower, exact way.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


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
    if _LONG_DIGITS.search(body) is None:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # broken, or a lone surrogate: the exact reader tells which
        else:
            digest = hash_bytes(canonical_json(value))
            return JsonDocument(value if whole else _summary(value), text, digest)
    return _exact_document(text, what, whole)


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
