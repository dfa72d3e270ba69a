"""Canonical JSON and the content hash that drives change detection."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson


def canonical_json(value: Any) -> bytes:
    """Serialise with sorted keys and no whitespace, so equal data gives equal bytes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def content_hash(value: Any) -> str:
    """Hex sha256 of the canonical JSON: independent of key order and formatting."""
    return hash_bytes(canonical_json(value))


def hash_bytes(canonical: bytes) -> str:
    """Hex sha256 of already-canonical JSON bytes."""
    return hashlib.sha256(canonical).hexdigest()
