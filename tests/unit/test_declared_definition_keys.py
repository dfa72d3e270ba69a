"""Checking a definition's keys: documented defaults, unknown keys, paginator types and keys."""

from __future__ import annotations

import pytest

from shared.sources.declared.paginators import OffsetPaginator
from tests.unit.definition_problems import (
    FILE,
    OFFSET_KEYS,
    VALID,
    definition_problems,
    load_definition,
)


def test_a_valid_definition_loads_with_the_documented_defaults() -> None:
    """Keys left out take their documented defaults; the base URL loses its final slash."""
    definition = load_definition(VALID)
    assert definition.base_url == "https://shop.example/api"
    assert definition.timeout.total_seconds() == 30
    assert definition.rate_limit is None
    assert definition.concurrency == 32
    assert isinstance(definition.list_.paginator, OffsetPaginator)
    assert definition.list_.paginator.max_pages == 10_000
    assert definition.error_action(404) == "item_failed"


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            ("records: data", "records: data\n  recrods: data"),
            f"{FILE}: list.recrods: unknown key; allowed: path, params, paginator, records, "
            "id, name, for_each",
        ),
        (
            ("total: meta.total}", "total: meta.total, limt: 5}"),
            f"{FILE}: list.paginator.limt: unknown key; allowed: {OFFSET_KEYS}",
        ),
        (
            ("name: shop", "name: shop\ntimeout_s: 5"),
            f"{FILE}: timeout_s: unknown key; allowed: name, base_url, auth, headers, "
            "rate_limit, timeout, concurrency, conditional, change_signal, list, detail, "
            "errors, incremental",
        ),
    ],
)
def test_an_unknown_key_names_its_path_and_the_allowed_keys(
    change: tuple[str, str], line: str
) -> None:
    """A misspelled key is never ignored: the line names it and what the mapping accepts."""
    assert definition_problems(VALID.replace(*change)) == [line]


def test_a_bad_path_says_what_a_path_is() -> None:
    """A JSONPath-style ``$.data`` is not a path; the line shows the accepted forms."""
    assert definition_problems(VALID.replace("records: data", "records: $.data")) == [
        f"{FILE}: list.records: '$.data' is not a path; a path is dotted keys with numeric "
        "indexes (data.items, results.0.url) or $"
    ]


def test_an_unknown_paginator_type_lists_the_six_types() -> None:
    """Paginators are never guessed: an unknown type names the six there are."""
    assert definition_problems(VALID.replace("type: offset", "type: offst")) == [
        f"{FILE}: list.paginator.type: unknown type 'offst'; choose one of: single, offset, "
        "page_number, cursor, next_url, link_header"
    ]


def test_a_paginator_without_a_type_lists_the_six_types() -> None:
    """A paginator must say its type."""
    assert definition_problems(VALID.replace("type: offset, ", "")) == [
        f"{FILE}: list.paginator.type: needs a type; choose one of: single, offset, "
        "page_number, cursor, next_url, link_header"
    ]


def test_a_paginator_missing_a_required_key_names_it() -> None:
    """A cursor paginator without cursor_param names the key, not a union member."""
    text = VALID.replace(
        "{type: offset, limit: 50, total: meta.total}", "{type: cursor, cursor_path: next}"
    )
    assert definition_problems(text) == [
        f"{FILE}: list.paginator.cursor_param: required, and missing"
    ]
