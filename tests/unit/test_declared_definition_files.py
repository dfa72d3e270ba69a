"""Checking a definition file as a whole: missing variables, its shape, every problem listed."""

from __future__ import annotations

import pytest

from shared.sources.declared.loader import parse_definition
from shared.sources.declared.paginators import OffsetPaginator
from tests.unit.definition_problems import (
    ENV,
    FILE,
    VALID,
    definition_problems,
    load_definition,
)


def test_a_missing_variable_is_a_problem_naming_file_and_variable() -> None:
    """``${SHOP_TOKEN}`` unset and without a default stops the load."""
    assert definition_problems(VALID, env={}) == [
        f"{FILE}: auth.token: ${{SHOP_TOKEN}} is not set and has no default "
        "(write ${SHOP_TOKEN:-…})"
    ]


def test_a_missing_variable_is_listed_with_the_files_other_problems() -> None:
    """A missing variable does not hide the rest; its own key is reported once."""
    text = VALID.replace("limit: 50", "limit: ${PAGE_SIZE}").replace("records: data", "recs: d")
    assert definition_problems(text) == [
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
    assert definition_problems(text) == [f"{FILE}: {line}"]


def test_every_problem_of_a_file_is_listed() -> None:
    """Several mistakes in one file are reported together, in file order."""
    text = VALID.replace("name: shop", "name: Shop").replace("records: data", "records: ''")
    assert len(definition_problems(text)) == 2


def test_timestamps_stay_text() -> None:
    """``initial: 1970-01-01T00:00:00Z`` unquoted is the text the API wants back."""
    text = (
        VALID
        + "incremental: {cursor_field: updated_at, param: since, initial: 1970-01-01T00:00:00Z}\n"
    )
    incremental = load_definition(text).incremental
    assert incremental is not None
    assert incremental.initial == "1970-01-01T00:00:00Z"


def test_numbers_from_the_environment_are_accepted() -> None:
    """``limit: ${PAGE_SIZE:-20}`` is text after substitution and still a whole number."""
    text = VALID.replace("limit: 50", "limit: ${PAGE_SIZE:-20}")
    paginator = parse_definition(text, file=FILE, env={**ENV, "PAGE_SIZE": "100"}).list_.paginator
    assert isinstance(paginator, OffsetPaginator)
    assert paginator.limit == 100
