"""How many entries the next read asks for, so a batch stays near a byte budget.

Redis cannot cap an ``XREADGROUP`` by bytes, only by count. Pages of real PokeAPI
details run to several MB each, so a writer reading sixteen at a time would hold a
hundred MB or more. The sizer remembers the largest entry of recent batches and asks
for as many entries as fit the budget: never fewer than one, never more than ``max_count``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.streams.codec import StreamEntry


def entry_bytes(entry: StreamEntry) -> int:
    """The bytes an entry's id and fields hold."""
    entry_id, fields = entry
    return len(entry_id) + sum(len(key) + len(value) for key, value in fields.items())


@dataclass
class BatchSizer:
    """Counts for the next read; ``max_bytes=None`` always asks for ``max_count``."""

    max_count: int
    max_bytes: int | None = None
    _largest: int = field(default=0, init=False)
    _seen_any: bool = field(default=False, init=False)

    def next_count(self) -> int:
        """Entries to ask for now (one until the first batch tells the size of an entry)."""
        if self.max_bytes is None:
            return self.max_count
        if not self._seen_any:
            return 1
        return max(1, min(self.max_count, self.max_bytes // max(self._largest, 1)))

    def observe(self, entries: list[StreamEntry]) -> None:
        """Learn from a batch just read; the memory of a large entry halves each batch."""
        if self.max_bytes is None or not entries:
            return
        largest = max(entry_bytes(entry) for entry in entries)
        self._largest = max(largest, self._largest // 2)
        self._seen_any = True
