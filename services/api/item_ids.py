"""Item ids by (source, external id), remembered in the process.

An item keeps its id for as long as its row exists (deletions only mark it), so a
remembered id stays right; the lookup by upstream id then costs what a lookup by
id costs. A row removed by hand is noticed when its id answers 404, and forgotten.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

MAX_REMEMBERED = 100_000  # about 20 MB at worst; least recently used go first


@dataclass
class ItemIdDirectory:
    """A bounded map of (source, external id) to item id."""

    max_entries: int = MAX_REMEMBERED
    _ids: OrderedDict[tuple[str, str], int] = field(default_factory=OrderedDict)

    def get(self, source: str, external_id: str) -> int | None:
        """The remembered id, if any."""
        key = (source, external_id)
        item_id = self._ids.get(key)
        if item_id is not None:
            self._ids.move_to_end(key)
        return item_id

    def put(self, source: str, external_id: str, item_id: int) -> None:
        """Remember an id read from MySQL."""
        self._ids[(source, external_id)] = item_id
        self._ids.move_to_end((source, external_id))
        if len(self._ids) > self.max_entries:
            self._ids.popitem(last=False)

    def forget(self, source: str, external_id: str) -> None:
        """Drop an id whose row is gone."""
        self._ids.pop((source, external_id), None)
