"""The API's in-memory copy of item answers: kept only while it hears every change."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.api import local_cache
from services.api.local_cache import LocalItemCache
from shared.cache.item_changes import parse_item_ids


def _live(max_bytes: int = 1000, ttl_s: float = 60.0) -> LocalItemCache:
    cache = LocalItemCache(max_bytes=max_bytes, ttl_s=ttl_s)
    cache.go_live()
    return cache


def test_nothing_is_kept_before_the_subscription_is_confirmed() -> None:
    """A cache that has not heard the subscription confirmed keeps no answer."""
    cache = LocalItemCache(max_bytes=1000, ttl_s=60)
    cache.put(1, b"{}", cache.epoch)
    assert cache.get(1) is None


def test_a_kept_answer_is_served_until_a_change_is_announced() -> None:
    """An answer kept while live is served, and an announced change drops it."""
    cache = _live()
    cache.put(1, b'{"id":1}', cache.epoch)
    cache.put(2, b'{"id":2}', cache.epoch)
    assert cache.get(1) == b'{"id":1}'
    cache.invalidate([1])
    assert cache.get(1) is None
    assert cache.get(2) == b'{"id":2}'


def test_an_answer_overtaken_by_a_change_is_not_kept() -> None:
    """A read that started before an announced change does not keep its (old) answer."""
    cache = _live()
    epoch = cache.epoch  # the read starts
    cache.invalidate([7])  # a writer's change arrives while it reads
    cache.put(1, b"old", epoch)
    assert cache.get(1) is None


def test_losing_the_subscription_forgets_everything() -> None:
    """When invalidations may be lost the cache empties and keeps nothing new."""
    cache = _live()
    cache.put(1, b"x", cache.epoch)
    cache.on_reconnect(object())
    assert cache.get(1) is None
    cache.put(2, b"y", cache.epoch)
    assert cache.get(2) is None
    cache.go_live()
    cache.put(2, b"y", cache.epoch)
    assert cache.get(2) == b"y"


def test_the_least_recently_used_go_first_when_bytes_run_out() -> None:
    """Past ``max_bytes`` the answers used longest ago are dropped."""
    cache = _live(max_bytes=10)
    for item_id in (1, 2, 3):
        cache.put(item_id, b"abcd", cache.epoch)  # 12 bytes: 1 goes
    assert cache.get(1) is None
    assert cache.get(2) == b"abcd"  # now 3 is the oldest
    cache.put(4, b"abcd", cache.epoch)
    assert (cache.get(3), cache.get(2), cache.get(4)) == (None, b"abcd", b"abcd")


def test_answers_expire_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer is served for ``ttl_s`` at most, even without a change.

    The cache's clock is the test's: a stall between put and get cannot expire the answer.
    """
    now = [1000.0]
    monkeypatch.setattr(local_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    cache = _live(ttl_s=0.05)
    cache.put(1, b"x", cache.epoch)
    assert cache.get(1) == b"x"
    now[0] += 0.04
    assert cache.get(1) == b"x"  # still within the ttl
    now[0] += 0.02
    assert cache.get(1) is None


@pytest.mark.parametrize(
    ("message", "ids"),
    [
        (b"12,57,90", [12, 57, 90]),
        ("3", [3]),
        (b"", []),
        (b"4,x,5", [4, 5]),
        (b"\xff\xfe,7", [7]),  # not UTF-8
        ("\u00b2,8", [8]),  # isdigit() but not int()
        ("9" * 5000 + ",1", [1]),
    ],
)
def test_change_messages_parse_to_item_ids(message: bytes | str, ids: list[int]) -> None:
    """A change message is a comma list of item ids; anything else in it is ignored."""
    assert parse_item_ids(message) == ids


def test_kept_pages_are_dropped_by_any_change_even_one_naming_no_id() -> None:
    """Item lists are dropped by every announcement (an empty one: rows only created)."""
    cache = _live()
    cache.put(1, b'{"id":1}', cache.epoch)
    cache.put_page("limit=20", b'{"items":[]}', cache.epoch)
    assert cache.get_page("limit=20") == b'{"items":[]}'
    cache.invalidate(parse_item_ids(b""))
    assert cache.get_page("limit=20") is None
    assert cache.get(1) == b'{"id":1}'


def test_pages_share_the_byte_bound_with_items() -> None:
    """A page counts against the same byte bound, and the oldest entry goes first."""
    cache = _live(max_bytes=20)
    cache.put_page("a", b"x" * 12, cache.epoch)
    cache.put(1, b"y" * 12, cache.epoch)
    assert cache.get_page("a") is None
    assert cache.get(1) == b"y" * 12
