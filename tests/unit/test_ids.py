"""Item ids taken from upstream URLs."""

from __future__ import annotations

import pytest

from shared.sources.ids import id_from_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://pokeapi.co/api/v2/pokemon/25/", "25"),
        ("https://pokeapi.co/api/v2/pokemon/25", "25"),
        ("/api/v2/pokemon/25/", "25"),
        ("/api/v2/pokemon/25", "25"),
        ("api/v2/pokemon/25/", "25"),
        ("https://pokeapi.co/api/v2/pokemon/25/?offset=0&limit=20", "25"),
        ("/api/v2/pokemon/25?x=1#frag", "25"),
        ("https://pokeapi.co/api/v2/pokemon/25//", "25"),
        ("/api/v2/pokemon/025/", "25"),
        ("/api/v2/pokemon/0001/", "1"),
        ("/api/v2/pokemon/10001/", "10001"),
        ("https://pokeapi.co/api/v2/pokemon/10326/", "10326"),
        ("/api/v2/pokemon/0/", "0"),
    ],
)
def test_id_is_the_last_numeric_segment(url: str, expected: str) -> None:
    """The id is the last non-empty path segment, as a normalised whole number."""
    assert id_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://pokeapi.co/api/v2/pokemon/pikachu/",
        "https://pokeapi.co/api/v2/pokemon/",
        "https://pokeapi.co/",
        "",
        "/api/v2/pokemon/-5/",
        "/api/v2/pokemon/2.5/",
        "/api/v2/pokemon/25a/",
        "/api/v2/pokemon/?id=25",
        "/api/v2/pokemon/%32%35/",
    ],
)
def test_url_without_numeric_last_segment_is_rejected(url: str) -> None:
    """A URL whose last path segment is not a whole number raises ValueError."""
    with pytest.raises(ValueError, match="no numeric id"):
        id_from_url(url)


@pytest.mark.parametrize("segment", ["²", "٣"])
def test_non_ascii_digits_are_rejected(segment: str) -> None:
    """Only ASCII digits make an id; other Unicode digits are rejected with the usual message."""
    with pytest.raises(ValueError, match="no numeric id"):
        id_from_url(f"/api/v2/pokemon/{segment}/")
