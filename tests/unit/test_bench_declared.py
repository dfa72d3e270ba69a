"""The declared bench quotes the README's figures for the previous source: they must be there."""

from __future__ import annotations

from bench.declared import QUOTED_PREFIXES, quoted_lines


def test_every_quoted_readme_line_is_found_once() -> None:
    """Each prefix names exactly one README line, so an edited table cannot drop a quote."""
    found = quoted_lines()
    for prefix in QUOTED_PREFIXES:
        assert sum(prefix in line for line in found) == 1, prefix
    assert all(line.startswith("README.md:") for line in found)
