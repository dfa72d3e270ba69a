"""Ids in paths, parsed strictly: what the OpenAPI description says, and nothing more.

``str.isdigit`` and ``int()`` accept far more than ASCII digits (``²``, Arabic-Indic digits,
``+1``, ``1_000``, 4,301-digit numbers that raise), and ``uuid.UUID`` takes
braces, ``urn:uuid:`` and bare hex; a regular expression does not.
"""

from __future__ import annotations

import re
import uuid

from shared.errors import InvalidRequest
from shared.models.spec import MAX_ID

_DIGITS = re.compile(r"[0-9]{1,19}")  # 19 digits hold every BIGINT
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def parse_item_id(raw: str) -> int:
    """An item id: ASCII digits, 1 to 2**63 - 1; else ``InvalidRequest`` naming ``id``."""
    if _DIGITS.fullmatch(raw) is None or not 0 < int(raw) <= MAX_ID:
        raise InvalidRequest(f"id must be a whole number from 1 to {MAX_ID}", field="id")
    return int(raw)


def parse_job_id(raw: str) -> uuid.UUID:
    """A job id: a hyphenated UUID; else ``InvalidRequest`` naming ``id``."""
    if _UUID.fullmatch(raw) is None:
        raise InvalidRequest("id must be a job id (a UUID)", field="id")
    return uuid.UUID(raw)
