"""``render_item`` writes what the ``ItemDetailOut`` model would, without building one."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from services.api.handlers.items import render_item
from shared.db.times import from_db
from shared.models.items import ItemDetailOut

_WHEN = datetime(2024, 2, 29, 23, 59, 58, 123456)  # noqa: DTZ001  # naive UTC, as MySQL gives
_ON_THE_SECOND = datetime(2025, 1, 1, 0, 0, 0)  # noqa: DTZ001


@pytest.mark.parametrize(
    "values",
    [
        (1, "pokemon", "1", "mon-1", "a" * 64, _WHEN, _WHEN, _WHEN, None, '{"id": 1}'),
        (
            2**62,
            "github",
            "owner/repo#7",
            'é ☃ "quoted" \\ \u2028',
            "0" * 64,
            _ON_THE_SECOND,
            _WHEN,
            _ON_THE_SECOND,
            _WHEN,
            '[1, 2.5, "x", null]',
        ),
        (3, "pokemon", "3", "mon-3", "b" * 64, _WHEN, _WHEN, _WHEN, _ON_THE_SECOND, None),
    ],
)
def test_render_matches_the_model(values: tuple[object, ...]) -> None:
    """Same fields in the same order, the same times (``Z``, microseconds only when set)."""
    names = list(ItemDetailOut.model_fields)
    fields = dict(zip(names, values, strict=True))
    for name in ("created_at", "updated_at", "synced_at", "deleted_at"):
        fields[name] = from_db(fields[name])  # type: ignore[arg-type]
    fields["payload"] = orjson.loads(values[-1] or "null")  # type: ignore[arg-type]
    expected = ItemDetailOut.model_validate(fields).model_dump_json()
    rendered = render_item(values)
    assert orjson.loads(rendered) == orjson.loads(expected)
    assert list(orjson.loads(rendered)) == names


def test_the_payload_is_spliced_in_as_stored() -> None:
    """The stored text is not re-parsed: its key order and spacing stay as the upstream sent."""
    payload = '{"b": 1, "a": [1,2]}'
    values = (1, "pokemon", "1", "mon-1", "a" * 64, _WHEN, _WHEN, _WHEN, None, payload)
    assert render_item(values).endswith(b',"payload":' + payload.encode() + b"}")
