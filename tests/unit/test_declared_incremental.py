"""Incremental cursors: the largest cursor_field value among a page's records."""

from __future__ import annotations

from typing import Any

import pytest

from shared.sources.declared.errors import PageShapeError
from shared.sources.declared.incremental import later_cursor, latest_cursor


def test_the_largest_timestamp_among_records_is_the_cursor() -> None:
    """ISO 8601 timestamps written alike compare in time order."""
    records = [
        {"updated_at": "2024-03-01T10:00:00Z"},
        {"updated_at": "2024-11-02T08:30:00Z"},
        {"updated_at": "2024-09-15T23:59:59Z"},
    ]
    assert latest_cursor(records, "updated_at") == "2024-11-02T08:30:00Z"


def test_numeric_cursors_compare_as_numbers() -> None:
    """Numbers (or numeric text) compare by value: 10000 is later than 9999."""
    assert latest_cursor([{"v": 9999}, {"v": 10000}, {"v": 42}], "v") == "10000"
    assert latest_cursor([{"v": "9999"}, {"v": "10000"}], "v") == "10000"


def test_nested_cursor_fields_are_paths() -> None:
    """A cursor field deep in the record is a dotted path."""
    records = [{"meta": {"changed": 3}}, {"meta": {"changed": 5}}]
    assert latest_cursor(records, "meta.changed") == "5"


def test_records_with_a_null_cursor_are_skipped_and_none_gives_none() -> None:
    """A null value says nothing; a page without values has no cursor."""
    assert latest_cursor([{"v": None}, {"v": "b"}], "v") == "b"
    assert latest_cursor([], "v") is None
    assert latest_cursor([{"v": None}], "v") is None


@pytest.mark.parametrize(("record", "message"), [({}, "absent"), ({"v": {}}, "not text")])
def test_a_record_without_a_usable_cursor_fails_the_page(record: Any, message: str) -> None:
    """An absent path or an object where the cursor should be is a page error."""
    with pytest.raises(PageShapeError, match=message):
        latest_cursor([record], "v")


@pytest.mark.parametrize(
    ("first", "second", "later"),
    [(None, "a", "a"), ("a", None, "a"), (None, None, None), ("2", "10", "10"), ("b", "a", "b")],
)
def test_later_cursor_keeps_the_later_value(
    first: str | None, second: str | None, later: str | None
) -> None:
    """Merging pages' cursors, or a stored one, never goes back."""
    assert later_cursor(first, second) == later
