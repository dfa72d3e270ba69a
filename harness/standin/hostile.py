"""A hostile catalogue: names and payloads that break naive SQL, JSON and text handling.

Bodies are kept as bytes and served verbatim, so tests can compare what was stored with
exactly what was sent: odd spacing, a 30-digit integer, escapes, and one detail whose
lone surrogate escape no UTF-8 text can hold.
"""

from __future__ import annotations

import orjson

LONE_SURROGATE_ID = 7
BIG_INTEGER = "123456789012345678901234567890"

_NAMES = {
    1: "x'; SELECT CURRENT_USER(); -- ",
    2: "'; DROP TABLE items; --",
    3: "back\\slash\\' and \\\\ end\\",
    4: 'nul \0 byte, "double" and `tick`',
    5: "four-byte 🐉 𝄞 é中",
    6: "big-int",
    LONE_SURROGATE_ID: "lone-surrogate",
}


def _body(item_id: int, name: str) -> bytes:
    if item_id == LONE_SURROGATE_ID:
        return b'{"id": 7, "name": "lone \\ud800 surrogate", "weight": 1}'
    quoted = orjson.dumps(name).decode()
    text = (
        f'{{ "id": {item_id},  "name": {quoted}, "n": {BIG_INTEGER},'
        f' "neg": -{BIG_INTEGER}, "note": "\\u0000 \\\\ \' \\" \\n \\ud83d\\udc09",'
        f' "z": {{"b": 1, "a": [1.5, -0.0, 1e-7, true, null]}}, "sql": {quoted} }}\n'
    )
    return text.encode()


def hostile_entries() -> list[tuple[int, str]]:
    """``(id, list name)`` of every hostile item, by id."""
    return sorted(_NAMES.items())


def hostile_detail(item_id: int) -> bytes | None:
    """The exact detail body of a hostile item, or None."""
    name = _NAMES.get(item_id)
    return None if name is None else _body(item_id, name)
