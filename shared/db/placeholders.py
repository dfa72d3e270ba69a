"""``IN (%s, ...)`` lists: one statement per chunk of values, with its placeholders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunks(values: Sequence[T], size: int) -> Iterator[tuple[Sequence[T], str]]:
    """``values`` in runs of at most ``size``, each with its ``%s, %s, ...`` placeholders."""
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, ", ".join(["%s"] * len(chunk))
