"""From records and documents to the items a page carries: id, name, payload text, hash.

The payload is JSON text and its hash the sha256 of the canonical form, as for every
source (``shared/sources/documents.py``): a detail's body as received, or the record.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from shared.errors import PermanentUpstreamError
from shared.models.pages import FetchedItem
from shared.sources.documents import JsonDocument
from shared.sources.validators import Validator
from shared.values.hashing import canonical_json, hash_bytes


def record_item(external_id: str, name: str, record: Any) -> FetchedItem:
    """The item of a list record kept as it is (a definition without ``detail``)."""
    try:
        text = orjson.dumps(record).decode()
        digest = hash_bytes(canonical_json(record))
    except TypeError:  # an integer past 64 bits, read exactly: the standard library writes it
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        digest = hash_bytes(
            json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
    if len(text) < 2:
        raise PermanentUpstreamError(f"record {external_id!r} is not a JSON document")
    return FetchedItem(external_id=external_id, name=name, content_hash=digest, payload=text)


def document_item(
    external_id: str, name: str, document: JsonDocument, validator: Validator | None
) -> FetchedItem:
    """The item of a whole answer (a detail, or an object that is the one record)."""
    return FetchedItem(
        external_id=external_id,
        name=name,
        content_hash=document.content_hash,
        payload=document.text,
        etag=validator.etag if validator else None,
        last_modified=validator.last_modified if validator else None,
    )
