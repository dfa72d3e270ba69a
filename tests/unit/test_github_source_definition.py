"""The GitHub-shaped definition tests and the bench write loads as the declared format reads it,
with what each argument asks for."""

from __future__ import annotations

from pathlib import Path

from harness.standin.github_source import github_definition
from shared.sources.declared.loader import parse_definition
from shared.sources.declared.paginators import LinkHeaderPaginator

ENV = {"GITHUB_BASE_URL": "http://127.0.0.1:1", "GITHUB_TOKEN": "unit-github-token"}
FILE = Path("github.yaml")


def test_one_repository_is_one_incremental_walk_keyed_by_number() -> None:
    """The default: one repository, the Accept header, an updated_at cursor sent as since."""
    definition = parse_definition(github_definition(per_page=20, max_pages=50), file=FILE, env=ENV)
    walk = definition.list_
    assert (walk.path, walk.for_each) == ("/repos/acme/widgets/issues", None)
    assert walk.params == {"state": "all", "per_page": "20"}
    assert isinstance(walk.paginator, LinkHeaderPaginator)
    assert walk.paginator.max_pages == 50
    assert walk.id.path == "number"
    assert definition.headers == {"Accept": "application/vnd.github+json"}
    assert definition.incremental is not None
    assert (definition.incremental.cursor_field, definition.incremental.param) == (
        "updated_at",
        "since",
    )


def test_several_repositories_are_a_for_each_walk_keyed_by_url() -> None:
    """Each repository a value; without the header and the cursor when told so."""
    text = github_definition(
        per_page=100,
        max_pages=1000,
        repos=("widgets", "gadgets"),
        accept_header=False,
        incremental=False,
    )
    definition = parse_definition(text, file=FILE, env=ENV)
    walk = definition.list_
    assert walk.path == "/repos/acme/{repo}/issues"
    assert walk.for_each is not None
    assert (walk.for_each.value_list(), walk.for_each.as_) == (["widgets", "gadgets"], "repo")
    assert walk.params["per_page"] == "100"
    assert isinstance(walk.paginator, LinkHeaderPaginator)
    assert walk.paginator.max_pages == 1000
    assert walk.id.path == "url"
    assert (definition.headers, definition.incremental) == ({}, None)
