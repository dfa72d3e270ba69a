"""Loading definitions: each class of mistake is one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.sources.declared.loader import parse_definition
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.paginators import OffsetPaginator
from shared.sources.declared.problems import DefinitionError

FILE = Path("sources/shop.yaml")
ENV = {"SHOP_TOKEN": "tok-0123456789"}
VALID = """\
name: shop
base_url: https://shop.example/api/
auth: {type: bearer, token: ${SHOP_TOKEN}}
list:
  path: /products
  paginator: {type: offset, limit: 50, total: meta.total}
  records: data
  id: id
"""
OFFSET_KEYS = "type, max_pages, limit, limit_param, offset_param, total, max_items"


def _problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, file=FILE, env=ENV if env is None else env)
    return [str(problem) for problem in caught.value.problems]


def _load(text: str) -> SourceDefinition:
    return parse_definition(text, file=FILE, env=ENV)


def test_a_valid_definition_loads_with_the_documented_defaults() -> None:
    """Keys left out take their documented defaults; the base URL loses its final slash."""
    definition = _load(VALID)
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
    assert _problems(VALID.replace(*change)) == [line]


def test_a_bad_path_says_what_a_path_is() -> None:
    """A JSONPath-style ``$.data`` is not a path; the line shows the accepted forms."""
    assert _problems(VALID.replace("records: data", "records: $.data")) == [
        f"{FILE}: list.records: '$.data' is not a path; a path is dotted keys with numeric "
        "indexes (data.items, results.0.url) or $"
    ]


def test_an_unknown_paginator_type_lists_the_six_types() -> None:
    """Paginators are never guessed: an unknown type names the six there are."""
    assert _problems(VALID.replace("type: offset", "type: offst")) == [
        f"{FILE}: list.paginator.type: unknown type 'offst'; choose one of: single, offset, "
        "page_number, cursor, next_url, link_header"
    ]


def test_a_paginator_without_a_type_lists_the_six_types() -> None:
    """A paginator must say its type."""
    assert _problems(VALID.replace("type: offset, ", "")) == [
        f"{FILE}: list.paginator.type: needs a type; choose one of: single, offset, "
        "page_number, cursor, next_url, link_header"
    ]


def test_a_paginator_missing_a_required_key_names_it() -> None:
    """A cursor paginator without cursor_param names the key, not a union member."""
    text = VALID.replace(
        "{type: offset, limit: 50, total: meta.total}", "{type: cursor, cursor_path: next}"
    )
    assert _problems(text) == [f"{FILE}: list.paginator.cursor_param: required, and missing"]


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
    assert _problems(text) == [f"{FILE}: {line}"]


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
    assert _problems(text) == [f"{FILE}: list.id.pattern: {message}"]


def test_an_id_of_the_wrong_shape_says_both_forms() -> None:
    """``id`` is a path or {path, pattern}."""
    assert _problems(VALID.replace("id: id", "id: 5")) == [
        f"{FILE}: list.id: must be a path, or {{path, pattern}}"
    ]


def test_a_detail_path_with_an_unknown_placeholder_names_the_known_ones() -> None:
    """``{ident}`` is neither {id} nor {record.<path>}."""
    text = VALID + "detail: {path: '/products/{ident}'}\n"
    assert _problems(text) == [
        f"{FILE}: detail.path: unknown placeholder {{ident}}; use {{id}} or {{record.<path>}}"
    ]


def test_a_list_placeholder_must_be_the_for_each_name() -> None:
    """A list path or parameter may only use the for_each value's name."""
    text = VALID.replace("path: /products", "path: /products\n  params: {q: '{town}'}")
    assert _problems(text) == [
        f"{FILE}: list.params.q: unknown placeholder {{town}}; this list has no for_each"
    ]
    with_for_each = text.replace(
        "records: data", "records: data\n  for_each: {values: 'a,b', as: city}"
    )
    assert _problems(with_for_each) == [
        f"{FILE}: list.params.q: unknown placeholder {{town}}; use {{city}}"
    ]


def test_a_parameter_the_paginator_sends_cannot_be_fixed_too() -> None:
    """``params.limit`` would fight the offset paginator's own limit."""
    text = VALID.replace("path: /products", "path: /products\n  params: {limit: 10}")
    assert _problems(text) == [f"{FILE}: list.params.limit: the paginator sends this parameter"]


def test_a_request_path_is_never_a_whole_url() -> None:
    """Request paths are joined to base_url, so a URL there is refused."""
    assert _problems(VALID.replace("path: /products", "path: https://evil.example/x")) == [
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
    problems = _problems(VALID.replace(*change))
    assert problems[0] == f"{FILE}: {line}"


def test_a_bad_auth_value_is_never_repeated_in_the_problem() -> None:
    """A secret of the wrong type is refused without its value in the line."""
    problems = _problems(VALID.replace("token: ${SHOP_TOKEN}", "token: [tok-0123456789]"))
    assert problems == [f"{FILE}: auth.token: Input should be a valid string"]


def test_a_missing_variable_is_a_problem_naming_file_and_variable() -> None:
    """``${SHOP_TOKEN}`` unset and without a default stops the load."""
    assert _problems(VALID, env={}) == [
        f"{FILE}: auth.token: ${{SHOP_TOKEN}} is not set and has no default "
        "(write ${SHOP_TOKEN:-…})"
    ]


def test_a_missing_variable_is_listed_with_the_files_other_problems() -> None:
    """A missing variable does not hide the rest; its own key is reported once."""
    text = VALID.replace("limit: 50", "limit: ${PAGE_SIZE}").replace("records: data", "recs: d")
    assert _problems(text) == [
        f"{FILE}: list.paginator.limit: ${{PAGE_SIZE}} is not set and has no default "
        "(write ${PAGE_SIZE:-…})",
        f"{FILE}: list.records: required, and missing",
        f"{FILE}: list.recs: unknown key; allowed: path, params, paginator, records, id, name, "
        "for_each",
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "name: [shop\n",
            "not valid YAML: line 2, column 1: expected ',' or ']', but got '<stream end>'",
        ),
        (VALID + "name: again\n", "not valid YAML: line 9, column 1: the key 'name' appears twice"),
        ("- name: shop\n", "must hold one mapping of keys (name, base_url, list, ...)"),
        ("", "must hold one mapping of keys (name, base_url, list, ...)"),
    ],
)
def test_a_file_that_is_not_one_mapping_is_one_line(text: str, line: str) -> None:
    """Broken YAML, a repeated key (PyYAML keeps the last silently) or no mapping at all."""
    assert _problems(text) == [f"{FILE}: {line}"]


def test_every_problem_of_a_file_is_listed() -> None:
    """Several mistakes in one file are reported together, in file order."""
    text = VALID.replace("name: shop", "name: Shop").replace("records: data", "records: ''")
    assert len(_problems(text)) == 2


def test_timestamps_stay_text() -> None:
    """``initial: 1970-01-01T00:00:00Z`` unquoted is the text the API wants back."""
    text = (
        VALID
        + "incremental: {cursor_field: updated_at, param: since, initial: 1970-01-01T00:00:00Z}\n"
    )
    incremental = _load(text).incremental
    assert incremental is not None
    assert incremental.initial == "1970-01-01T00:00:00Z"


def test_numbers_from_the_environment_are_accepted() -> None:
    """``limit: ${PAGE_SIZE:-20}`` is text after substitution and still a whole number."""
    text = VALID.replace("limit: 50", "limit: ${PAGE_SIZE:-20}")
    paginator = parse_definition(text, file=FILE, env={**ENV, "PAGE_SIZE": "100"}).list_.paginator
    assert isinstance(paginator, OffsetPaginator)
    assert paginator.limit == 100
