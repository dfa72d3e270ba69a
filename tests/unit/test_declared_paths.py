"""Paths into answers, and the records, ids, names and detail paths read through them."""

from __future__ import annotations

from typing import Any

import pytest

from shared.sources.declared.errors import PageShapeError
from shared.sources.declared.models import IdSpec
from shared.sources.declared.paths import MISSING, check_path, find, select
from shared.sources.declared.records import (
    ID_CHARS,
    NAME_CHARS,
    detail_path,
    extract_records,
    record_id,
    record_name,
)

BODY: dict[str, Any] = {
    "count": 2,
    "info": {"next": None, "pages": [{"n": 1}, {"n": 2}]},
    "results": [{"name": "bulbasaur", "url": "https://pokeapi.co/api/v2/pokemon/1/"}],
    "7": "a key made of digits",
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$", BODY),
        ("count", 2),
        ("info.next", None),
        ("info.pages.1.n", 2),
        ("results.0.name", "bulbasaur"),
        ("7", "a key made of digits"),
    ],
)
def test_select_follows_dotted_keys_and_indexes(path: str, value: Any) -> None:
    """Dotted keys walk objects, numbers index lists (or name a key), and $ is the body."""
    assert select(BODY, path) == value


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("data", "no key 'data' at $"),
        ("info.last", "no key 'last' at info"),
        ("info.pages.5", "info.pages has 2 elements, no index 5"),
        ("info.pages.first", "info.pages is a list, and 'first' is not an index"),
        ("count.value", "count is a number, not an object or a list"),
        ("info.next.url", "info.next is null, not an object or a list"),
    ],
)
def test_select_of_an_absent_path_names_the_path_and_where_it_stopped(
    path: str, where: str
) -> None:
    """An absent path is a page error that names the path and the first missing step."""
    with pytest.raises(PageShapeError) as caught:
        select(BODY, path)
    assert str(caught.value) == f"path {path!r} is absent from the answer ({where})"


def test_find_tells_an_absent_path_from_null() -> None:
    """``find`` answers MISSING for an absent path and None for a JSON null."""
    assert find(BODY, "info.next") is None
    assert find(BODY, "info.prev") is MISSING


@pytest.mark.parametrize("path", ["$", "a", "a.b", "results.0.url", "x-y.z_1"])
def test_well_formed_paths_are_accepted(path: str) -> None:
    """Dotted keys, numeric indexes and $ are paths."""
    assert check_path(path) == path


@pytest.mark.parametrize("path", ["", ".a", "a.", "a..b", "$.a", "a b", "a.{id}", "$$"])
def test_malformed_paths_are_rejected_with_what_is_allowed(path: str) -> None:
    """Anything else is refused, naming the accepted forms (JSONPath's $.a included)."""
    with pytest.raises(ValueError, match=r"dotted keys with numeric indexes"):
        check_path(path)


def test_records_of_a_list_are_its_elements() -> None:
    """A list at the records path gives one record per element."""
    assert extract_records(BODY, "results") == BODY["results"]
    assert extract_records([1, 2], "$") == [1, 2]


def test_records_of_an_object_are_that_one_object() -> None:
    """An object at the records path (``$`` of a single document) is one record."""
    assert extract_records({"id": 1}, "$") == [{"id": 1}]


def test_records_that_are_neither_list_nor_object_fail_the_page() -> None:
    """A number or null where records should be is a page error naming the path."""
    with pytest.raises(PageShapeError, match=r"records 'count' is a number, not a list"):
        extract_records(BODY, "count")


def test_records_at_an_absent_path_fail_the_page() -> None:
    """An absent records path is a page error naming it."""
    with pytest.raises(PageShapeError, match=r"path 'items' is absent"):
        extract_records(BODY, "items")


@pytest.mark.parametrize(
    ("record", "spec", "expected"),
    [
        ({"id": 42}, IdSpec(path="id"), "42"),
        ({"id": "abc"}, IdSpec(path="id"), "abc"),
        ({"meta": {"key": 7}}, IdSpec(path="meta.key"), "7"),
        ({"url": "https://x/pokemon/25/"}, IdSpec(path="url", pattern=r"/pokemon/(\d+)/?$"), "25"),
    ],
)
def test_record_id_by_path_or_pattern(record: Any, spec: IdSpec, expected: str) -> None:
    """The id is the value at the path, or the one group the pattern finds in it."""
    assert record_id(record, spec) == expected


@pytest.mark.parametrize(
    ("record", "spec", "message"),
    [
        ({"url": "https://x/berry/1/"}, IdSpec(path="url", pattern=r"/pokemon/(\d+)"), "match"),
        ({"id": True}, IdSpec(path="id"), "is a boolean, not text"),
        ({"id": None}, IdSpec(path="id"), "is null, not text"),
        ({"id": ""}, IdSpec(path="id"), "empty"),
        ({"id": "x" * (ID_CHARS + 1)}, IdSpec(path="id"), "longer than"),
        ({"name": "x"}, IdSpec(path="id"), "absent"),
    ],
)
def test_a_record_without_a_usable_id_fails(record: Any, spec: IdSpec, message: str) -> None:
    """No id, an id of the wrong kind, or one the pattern misses is a page error."""
    with pytest.raises(PageShapeError, match=message):
        record_id(record, spec)


def test_record_name_is_optional() -> None:
    """Without a name path, or without the value, the name is empty; long names are cut."""
    assert record_name({"name": "pikachu"}, "name") == "pikachu"
    assert record_name({"name": "pikachu"}, None) == ""
    assert record_name({"title": None}, "title") == ""
    assert record_name({}, "title") == ""
    assert record_name({"name": "x" * 300}, "name") == "x" * NAME_CHARS


def test_detail_path_fills_id_and_record_fields_escaped() -> None:
    """``{id}`` and ``{record.<path>}`` are filled in, each value percent-encoded."""
    record = {"owner": {"login": "a b/c"}, "number": 5}
    path = detail_path("/repos/{record.owner.login}/issues/{id}", item_id="5", record=record)
    assert path == "/repos/a%20b%2Fc/issues/5"


def test_detail_path_without_a_record_fills_only_the_id() -> None:
    """A detail sync by id has no list record; a record placeholder is then a page error."""
    assert detail_path("/pokemon/{id}/", item_id="25") == "/pokemon/25/"
    with pytest.raises(PageShapeError, match="no list record"):
        detail_path("/x/{record.slug}", item_id="1")
