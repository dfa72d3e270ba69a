"""Canonical JSON and the content hash that drives change detection."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from shared.values.hashing import canonical_json, content_hash, hash_bytes

PIKACHU: dict[str, Any] = {
    "id": 25,
    "name": "pikachu",
    "types": [{"slot": 1, "type": {"name": "electric", "url": "/api/v2/type/13/"}}],
    "stats": {"hp": 35, "speed": 90},
    "is_default": True,
    "held_items": [],
    "form": None,
}


def _reordered(value: Any) -> Any:
    """The same data with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    """Keys are sorted at every level and no whitespace is emitted."""
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": None}}) == (
        b'{"a":{"c":null,"d":[1,2]},"b":1}'
    )


def test_hash_is_independent_of_key_order_at_every_level() -> None:
    """Reordering keys, nested ones included, gives the same bytes and hash."""
    reordered = _reordered(PIKACHU)
    assert list(reordered) != list(PIKACHU)
    assert list(reordered["types"][0]["type"]) != list(PIKACHU["types"][0]["type"])
    assert canonical_json(reordered) == canonical_json(PIKACHU)
    assert content_hash(reordered) == content_hash(PIKACHU)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.update(name="raichu"), id="top-level-value"),
        pytest.param(lambda d: d["stats"].update(speed=91), id="nested-value"),
        pytest.param(lambda d: d["types"][0]["type"].update(name="fire"), id="deep-value"),
        pytest.param(lambda d: d.update(id="25"), id="number-to-string"),
        pytest.param(lambda d: d.update(is_default=1), id="bool-to-int"),
        pytest.param(lambda d: d.update(form={}), id="null-to-object"),
        pytest.param(lambda d: d["held_items"].append("light-ball"), id="list-item-added"),
        pytest.param(lambda d: d.pop("form"), id="key-removed"),
        pytest.param(lambda d: d.update(extra=None), id="key-added"),
    ],
)
def test_hash_differs_when_the_data_changes(change: Any) -> None:
    """Any change of value, type or shape gives a different hash."""
    changed = json.loads(json.dumps(PIKACHU))
    change(changed)
    assert content_hash(changed) != content_hash(PIKACHU)


def test_list_order_matters() -> None:
    """Lists are ordered data, so reversing one changes the hash."""
    assert content_hash({"moves": ["a", "b"]}) != content_hash({"moves": ["b", "a"]})


@pytest.mark.parametrize(
    "name", ["Flabébé", "ニドラン♀", "Nidoran♂", "emoji 🐭⚡", "tab\tand\nnewline", "\u0000"]
)
def test_unicode_is_stable(name: str) -> None:
    """Non-ASCII text hashes the same every time and survives the canonical form unchanged."""
    value = {"name": name, "nested": {"name": name}}
    assert content_hash(value) == content_hash(json.loads(json.dumps(value)))
    assert json.loads(canonical_json(value)) == value


def test_unicode_is_encoded_as_utf8_not_escapes() -> None:
    """Non-ASCII characters are written as UTF-8 bytes, not ``\\u`` escapes."""
    assert canonical_json({"name": "Flabébé"}) == '{"name":"Flabébé"}'.encode()


@pytest.mark.parametrize(
    "text",
    [
        '{"id": 25, "name": "pikachu", "stats": {"speed": 90, "hp": 35}}',
        '{\n  "name" : "pikachu",\n  "stats" : {\n    "hp" : 35,\n    "speed" : 90\n  },\n'
        '  "id" : 25\n}\n',
        '{"stats":{"hp":35,"speed":90},"name":"pikachu","id":25}',
        '\t{ "id":25 ,"stats" :{ "hp":35, "speed":90 }, "name":"\\u0070ikachu" }  ',
    ],
)
def test_equal_data_written_differently_hashes_equally(text: str) -> None:
    """Two JSON texts with equal data but different whitespace, order or escapes hash equally."""
    reference = '{"id":25,"name":"pikachu","stats":{"hp":35,"speed":90}}'
    assert content_hash(json.loads(text)) == content_hash(json.loads(reference))


def test_content_hash_is_sha256_hex_of_canonical_json() -> None:
    """The hash is the 64-character hex SHA-256 of the canonical bytes."""
    digest = content_hash(PIKACHU)
    assert digest == hashlib.sha256(canonical_json(PIKACHU)).hexdigest()
    assert digest == hash_bytes(canonical_json(PIKACHU))
    assert len(digest) == 64
    assert int(digest, 16) >= 0
