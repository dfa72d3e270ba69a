"""Every Redis key, stream and group name: the one place they are spelled.

Each name says why it exists, so ``redis-cli --scan --pattern 'itemsync:*'`` reads
like this file.
"""

from __future__ import annotations

COMMANDS = "itemsync:commands"  # group "fetchers"
PAGES = "itemsync:pages"  # group "writers"
DEAD = "itemsync:dead"  # entries that failed MAX_DELIVERIES times

FETCHERS = "fetchers"  # consumer group reading COMMANDS
WRITERS = "writers"  # consumer group reading PAGES

ITEM_CACHE_PREFIX = "itemsync:item:"  # + item id: cached GET /items/{id} answers
ITEM_CHANGES = "itemsync:item-changes"  # pub/sub: "id,id,..." of items writers changed

EVENTS = "itemsync:events"  # job, breaker and dead-letter events for /events and alerts
EVENTS_MAXLEN = 10_000  # approximate cap: events are a live view, MySQL keeps the history
ALERTERS = "alerters"  # consumer group reading EVENTS: each alert is sent by one process


def item_cache_key(item_id: int) -> str:
    """Redis key of one item's cached API answer."""
    return f"{ITEM_CACHE_PREFIX}{item_id}"


def schedule_key(source: str, slot: int) -> str:
    """Redis key a scheduler claims to open ``source``'s job for interval ``slot``."""
    return f"itemsync:schedule:{source}:{slot}"


def rate_limit_key(scope: str, client: str) -> str:
    """Redis key counting ``client``'s requests to ``scope`` in the current window."""
    return f"itemsync:ratelimit:{scope}:{client}"


def breaker_key(source: str) -> str:
    """Redis hash of one source's circuit breaker: every fetcher on every host shares it."""
    return f"itemsync:breaker:{source}"


def budget_key(source: str) -> str:
    """Redis hash of one source's request budget: the next free slot, shared by fetchers."""
    return f"itemsync:budget:{source}"


def entry_error_key(stream: str, entry_id: bytes | str) -> str:
    """Redis key of the last error of a pending entry: its dead letter says why it died."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return f"itemsync:error:{stream}:{text}"
