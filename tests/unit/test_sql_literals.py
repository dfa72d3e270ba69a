"""Literals for bulk writes: the same escapes as the driver's, statements split by bytes."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from pymysql.converters import escape_datetime, escape_string

from shared.db.literals import literal, multi_row_statements, quote

SPECIALS = "\\\0\n\r\032'\"%"


def _random_text(rng: random.Random) -> str:
    alphabet = SPECIALS + "ab{}:,[] é中😀"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


@pytest.mark.parametrize("seed", range(5))
def test_quote_escapes_as_the_driver_does_but_double_quotes(seed: int) -> None:
    """For any mix of special characters the literal is pymysql's, with '"' left as it is."""
    rng = random.Random(seed)
    for _ in range(2000):
        text = _random_text(rng)
        driver = '"'.join(escape_string(part) for part in text.split('"'))
        assert quote(text) == f"'{driver}'"


def test_json_text_keeps_its_double_quotes() -> None:
    """A JSON document's quotes cost no byte: only backslashes and single quotes grow."""
    assert quote(r"""{"a": "b\"c", "d": "it's"}""") == r"""'{"a": "b\\"c", "d": "it\'s"}'"""


@pytest.mark.parametrize(
    "moment",
    [  # naive UTC, as the items table stores times
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC).replace(tzinfo=None),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).replace(tzinfo=None),
    ],
)
def test_datetimes_are_written_as_the_driver_writes_them(moment: datetime) -> None:
    """A naive datetime becomes the same quoted text, with or without microseconds."""
    assert literal(moment) == escape_datetime(moment)


@pytest.mark.parametrize(
    ("value", "sql"), [(None, "NULL"), (42, "42"), (-1, "-1"), ("it's", "'it\\'s'")]
)
def test_other_values(value: str | int | None, sql: str) -> None:
    """None, whole numbers and strings have their usual SQL spelling."""
    assert literal(value) == sql


@pytest.mark.parametrize("value", [True, 1.5, b"bytes", datetime(2026, 1, 1, tzinfo=UTC)], ids=repr)
def test_values_without_a_safe_literal_are_refused(value: object) -> None:
    """Booleans, floats, bytes and aware datetimes raise instead of guessing."""
    with pytest.raises(TypeError):
        literal(value)  # type: ignore[arg-type]


def test_statements_are_split_below_the_byte_limit() -> None:
    """Rows are packed into statements no longer than max_bytes, none lost or repeated."""
    rows = [(index, "x" * 50) for index in range(100)]
    statements = list(
        multi_row_statements(
            "INSERT INTO t (a, b)", rows, "", max_bytes=400, no_backslash_escapes=False
        )
    )
    assert len(statements) > 1
    assert all(len(statement) <= 400 for statement in statements)
    assert sum(statement.count(b"(") for statement in statements) == 100 + len(statements)


def test_a_row_bigger_than_the_limit_gets_a_statement_of_its_own() -> None:
    """One oversized row is still written, alone, rather than dropped."""
    rows = [(1, "small"), (2, "y" * 1000), (3, "small")]
    tail = "ON DUPLICATE KEY UPDATE b = b"
    statements = list(
        multi_row_statements(
            "INSERT INTO t (a, b)", rows, tail, max_bytes=200, no_backslash_escapes=False
        )
    )
    assert len(statements) == 3
    assert all(statement.endswith(f" {tail}".encode()) for statement in statements)
    assert b"y" * 1000 in statements[1]
