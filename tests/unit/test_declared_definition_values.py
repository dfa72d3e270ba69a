"""Checking a definition's values: one line per bad value, naming the key, never a secret."""

from __future__ import annotations

import pytest

from tests.unit.definition_problems import (
    FILE,
    VALID,
    definition_problems,
    load_definition,
)


@pytest.mark.parametrize(
    ("paginator", "line"),
    [
        (
            "{type: offset, limit: 0}",
            "list.paginator.limit: Input should be greater than or equal to 1",
        ),
        (
            "{type: offset, limit: 5, max_pages: 0}",
            "list.paginator.max_pages: Input should be greater than or equal to 1",
        ),
        (
            "{type: page_number, size: 10}",
            "list.paginator: size and size_param go together: the size is sent in size_param",
        ),
        (
            "{type: offset, limit: 5, max_items: 9}",
            "list.paginator: max_items needs total: only a known total can be checked",
        ),
    ],
)
def test_bad_paginator_values_are_one_line_each(paginator: str, line: str) -> None:
    """Out-of-range and inconsistent paginator keys are refused with the rule they break."""
    text = VALID.replace("{type: offset, limit: 50, total: meta.total}", paginator)
    assert definition_problems(text) == [f"{FILE}: {line}"]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "'/p/(\\d+'",
            "not a regular expression: missing ), unterminated subpattern at position 3",
        ),
        ("'/p/\\d+'", "needs exactly one group (the id), has 0: '/p/\\\\d+'"),
        ("'/(p)/(\\d+)'", "needs exactly one group (the id), has 2: '/(p)/(\\\\d+)'"),
    ],
)
def test_an_id_pattern_must_compile_with_one_group(pattern: str, message: str) -> None:
    """The id pattern is a regular expression with exactly one group: the id."""
    text = VALID.replace("id: id", f"id: {{path: url, pattern: {pattern}}}")
    assert definition_problems(text) == [f"{FILE}: list.id.pattern: {message}"]


def test_an_id_of_the_wrong_shape_says_both_forms() -> None:
    """``id`` is a path or {path, pattern}."""
    assert definition_problems(VALID.replace("id: id", "id: 5")) == [
        f"{FILE}: list.id: must be a path, or {{path, pattern}}"
    ]


def test_a_detail_path_with_an_unknown_placeholder_names_the_known_ones() -> None:
    """``{ident}`` is neither {id} nor {record.<path>}."""
    text = VALID + "detail: {path: '/products/{ident}'}\n"
    assert definition_problems(text) == [
        f"{FILE}: detail.path: unknown placeholder {{ident}}; use {{id}} or {{record.<path>}}"
    ]


def test_a_list_placeholder_must_be_the_for_each_name() -> None:
    """A list path or parameter may only use the for_each value's name."""
    text = VALID.replace("path: /products", "path: /products\n  params: {q: '{town}'}")
    assert definition_problems(text) == [
        f"{FILE}: list.params.q: unknown placeholder {{town}}; this list has no for_each"
    ]
    with_for_each = text.replace(
        "records: data", "records: data\n  for_each: {values: 'a,b', as: city}"
    )
    assert definition_problems(with_for_each) == [
        f"{FILE}: list.params.q: unknown placeholder {{town}}; use {{city}}"
    ]


def test_a_parameter_the_paginator_sends_cannot_be_fixed_too() -> None:
    """``params.limit`` would fight the offset paginator's own limit."""
    text = VALID.replace("path: /products", "path: /products\n  params: {limit: 10}")
    assert definition_problems(text) == [
        f"{FILE}: list.params.limit: the paginator sends this parameter"
    ]


def test_a_request_path_is_never_a_whole_url() -> None:
    """Request paths are joined to base_url, so a URL there is refused."""
    assert definition_problems(
        VALID.replace("path: /products", "path: https://evil.example/x")
    ) == [
        f"{FILE}: list.path: 'https://evil.example/x' is not a request path; it starts with / "
        "(e.g. /items)"
    ]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (("name: shop", "name: Shop-1"), "name: must match ^[a-z][a-z0-9_]{0,31}$"),
        (
            ("https://shop.example/api/", "ftp://shop.example"),
            "base_url: 'ftp://shop.example' is not an http:// or https:// URL with a host",
        ),
        (
            ("name: shop", "name: shop\nrate_limit: 10/fortnight"),
            "rate_limit: not a rate: '10/fortnight' (use e.g. 60/min, 100/s, "
            "5000/h, or 0 for no limit)",
        ),
        (
            ("name: shop", "name: shop\ntimeout: soon"),
            "timeout: not a duration: 'soon' (use e.g. 15m, 60s, 500ms)",
        ),
        (
            ("name: shop", "name: shop\nerrors: {700: retry}"),
            "errors.700: 700 is not an error status (300 to 599); use e.g. 404 or a range 500-599",
        ),
        (
            ("name: shop", "name: shop\nerrors: {404: skip}"),
            "errors.404: must be one of 'retry', 'item_failed', 'job_failed' or 'ignore'",
        ),
        (
            ("name: shop", "name: shop\nerrors: {404: retry, '404': ignore}"),
            "errors: status 404 is written twice",
        ),
        (
            ("name: shop", 'name: shop\nheaders: {X-A: "1\\nX-Injected: 2"}'),
            "headers.X-A: a header value is one line",
        ),
        (
            ("name: shop", "name: shop\nheaders: {'X A': b}"),
            "headers.X A: must match ^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
        ),
        (
            ("type: bearer", "type: oauth"),
            "auth.type: unknown type 'oauth'; choose one of: none, bearer, api_key, basic",
        ),
        (("token: ${SHOP_TOKEN}", "value: ${SHOP_TOKEN}"), "auth.token: required, and missing"),
    ],
)
def test_other_bad_values_are_one_line_naming_the_key(change: tuple[str, str], line: str) -> None:
    """Names, URLs, rates, durations, status tables and auth each name the key at fault."""
    problems = definition_problems(VALID.replace(*change))
    assert problems[0] == f"{FILE}: {line}"


def test_a_bad_auth_value_is_never_repeated_in_the_problem() -> None:
    """A secret of the wrong type is refused without its value in the line."""
    problems = definition_problems(VALID.replace("token: ${SHOP_TOKEN}", "token: [tok-0123456789]"))
    assert problems == [f"{FILE}: auth.token: Input should be a valid string"]


@pytest.mark.parametrize("field", ["data..hash", "meta hash", "${SIGNAL_FIELD:-.hash}"])
def test_a_change_signal_field_is_a_path_into_the_answer(field: str) -> None:
    """``change_signal.field`` is a path as records and ids are; a bad one is one line."""
    text = VALID + f"change_signal: {{path: /meta/, field: '{field}'}}\n"
    (line,) = definition_problems(text)
    assert line.startswith(f"{FILE}: change_signal.field: ")
    assert "is not a path; a path is dotted keys with numeric indexes" in line
    good = load_definition(VALID + "change_signal: {path: /meta/, field: data.deploys.0.hash}\n")
    assert good.change_signal is not None
    assert good.change_signal.field == "data.deploys.0.hash"
